// Storage faults under a running engine: the database on a full file system, on files that refuse writes, and
// locked by another process. The intake must answer 503 with Retry-After instead of acknowledging, stay up,
// and recover by itself once the fault clears; every event that got a 202 must be in the database and reach
// the subscriber. Also: `tidings serve` refuses, with the reason on stderr, a database it cannot use (a newer
// schema, a migration that fails, a read-only file system).
//
// The file-system faults need mount(8), so they run as root (the CI does) and are skipped otherwise.

#include "Engine.h"
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "Migrations.h"
#include "SqliteDialect.h"
#include "Store.h"
#include "TidingsProcess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QUuid>
#include <QtTest>

#include <memory>
#include <optional>

#include <unistd.h>

namespace {

constexpr int kWaitMs = 15000;
// The store's SQLite busy timeout (SqliteDialect's default): how long a write waits for another process's
// lock.
constexpr int kBusyTimeoutMs = 1000; // EngineConfig::busyTimeoutMs

struct Command
{
    int exitCode = -1; // -1: did not start, crashed or timed out
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("exit code %1; stdout: %2; stderr: %3")
            .arg(exitCode)
            .arg(QString::fromLocal8Bit(out.trimmed()), QString::fromLocal8Bit(err.trimmed()));
    }
};

Command run(const QString &program, const QStringList &args, int timeoutMs = 20000)
{
    Command result;
    QProcess process;
    process.start(program, args);
    if (!process.waitForStarted(5000)) {
        result.err = process.errorString().toLocal8Bit();
        return result;
    }
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
    }
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    if (process.exitStatus() == QProcess::NormalExit)
        result.exitCode = process.exitCode();
    return result;
}

// A small file system of its own, mounted on a temporary directory for one test and unmounted afterwards.
class ScratchFileSystem
{
public:
    ScratchFileSystem() = default;
    ScratchFileSystem(const ScratchFileSystem &) = delete;
    ScratchFileSystem &operator=(const ScratchFileSystem &) = delete;
    ~ScratchFileSystem() { unmount(); }

    static QString whyUnavailable()
    {
        if (::geteuid() != 0)
            return QStringLiteral("mounting a scratch file system needs root (the CI runs as root)");
        return {};
    }

    // tmpfs: full is full at once, no reserved blocks.
    bool mountTmpfs(qint64 bytes, QString *error)
    {
        if (!prepare(error))
            return false;
        return mount({QStringLiteral("-t"), QStringLiteral("tmpfs"), QStringLiteral("-o"),
                      QStringLiteral("size=%1,mode=0700").arg(bytes), QStringLiteral("tidings-faults"),
                      m_mountPoint},
                     error);
    }

    // ext4 on a loop device: a disk file system, where an immutable file also refuses writes through
    // descriptors that are already open (tmpfs only checks at open).
    bool mountExt4(qint64 bytes, QString *error)
    {
        if (!prepare(error))
            return false;
        const QString image = m_dir.filePath(QStringLiteral("ext4.img"));
        QFile file(image);
        if (!file.open(QIODevice::WriteOnly) || !file.resize(bytes)) {
            *error = QStringLiteral("cannot create %1: %2").arg(image, file.errorString());
            return false;
        }
        file.close();
        const Command mkfs =
            run(QStringLiteral("mkfs.ext4"), {QStringLiteral("-q"), QStringLiteral("-F"),
                                              QStringLiteral("-m"), QStringLiteral("0"), image});
        if (mkfs.exitCode != 0) {
            *error = QStringLiteral("mkfs.ext4 failed: ") + mkfs.describe();
            return false;
        }
        return mount({QStringLiteral("-o"), QStringLiteral("loop"), image, m_mountPoint}, error);
    }

    bool remount(const QString &options, QString *error)
    {
        const Command result =
            run(QStringLiteral("mount"),
                {QStringLiteral("-o"), QStringLiteral("remount,") + options, m_mountPoint});
        if (result.exitCode != 0)
            *error = QStringLiteral("mount -o remount,%1 failed: %2").arg(options, result.describe());
        return result.exitCode == 0;
    }

    QString filePath(const QString &name) const { return m_mountPoint + QLatin1Char('/') + name; }

    // Writes a filler file until the file system refuses more. Returns the bytes written.
    qint64 fill(QString *error)
    {
        QFile filler(filePath(QStringLiteral("filler")));
        if (!filler.open(QIODevice::WriteOnly | QIODevice::Unbuffered)) {
            *error = filler.errorString();
            return -1;
        }
        const QByteArray block(64 * 1024, 'f');
        qint64 total = 0;
        for (qint64 step = block.size(); step > 0;) {
            const qint64 written = filler.write(block.constData(), step);
            if (written > 0)
                total += written;
            if (written < step)
                step /= 2; // whatever is left over, down to the last byte
        }
        filler.close();
        return total;
    }

    void unfill() { QFile::remove(filePath(QStringLiteral("filler"))); }

    // chattr +i / -i on the given files.
    bool setImmutable(const QStringList &names, bool immutable, QString *error)
    {
        QStringList args{immutable ? QStringLiteral("+i") : QStringLiteral("-i")};
        for (const QString &name : names) {
            if (QFile::exists(filePath(name)))
                args.append(filePath(name));
        }
        const Command result = run(QStringLiteral("chattr"), args);
        if (result.exitCode != 0)
            *error = QStringLiteral("chattr failed: ") + result.describe();
        return result.exitCode == 0;
    }

    void unmount()
    {
        if (!m_mounted)
            return;
        m_mounted = false;
        run(QStringLiteral("chattr"), {QStringLiteral("-R"), QStringLiteral("-i"), m_mountPoint});
        if (run(QStringLiteral("umount"), {m_mountPoint}).exitCode != 0)
            run(QStringLiteral("umount"), {QStringLiteral("-l"), m_mountPoint});
    }

private:
    bool prepare(QString *error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary directory");
            return false;
        }
        m_mountPoint = m_dir.filePath(QStringLiteral("mnt"));
        if (!QDir().mkpath(m_mountPoint)) {
            *error = QStringLiteral("cannot create ") + m_mountPoint;
            return false;
        }
        return true;
    }

    bool mount(const QStringList &args, QString *error)
    {
        const Command result = run(QStringLiteral("mount"), args);
        if (result.exitCode != 0) {
            *error = QStringLiteral("mount %1 failed: %2").arg(args.join(u' '), result.describe());
            return false;
        }
        m_mounted = true;
        return true;
    }

    QTemporaryDir m_dir;
    QString m_mountPoint;
    bool m_mounted = false;
};

// Another process holding SQLite's write lock: the sqlite3 shell inside BEGIN EXCLUSIVE.
class LockHolder
{
public:
    ~LockHolder() { release(); }

    bool hold(const QString &dbPath, QString *error)
    {
        const QString shell = QStandardPaths::findExecutable(QStringLiteral("sqlite3"));
        if (shell.isEmpty()) {
            *error = QStringLiteral("the sqlite3 shell is not installed (Debian package sqlite3)");
            return false;
        }
        m_process.start(shell, {QStringLiteral("-batch"), dbPath});
        if (!m_process.waitForStarted(5000)) {
            *error = QStringLiteral("cannot start sqlite3: ") + m_process.errorString();
            return false;
        }
        m_process.write("PRAGMA busy_timeout = 5000;\nBEGIN EXCLUSIVE;\n"
                        "INSERT INTO schema_migrations VALUES (-1, 'held by a test', 0);\n");
        // The lock is taken once a connection of our own can no longer start a write.
        if (!QTest::qWaitFor([&] { return isLockedFromHere(dbPath); }, kWaitMs)) {
            *error = QStringLiteral("sqlite3 did not take the lock; its stderr: ") +
                     QString::fromLocal8Bit(m_process.readAllStandardError());
            return false;
        }
        return true;
    }

    // Rolls back (nothing of the holder stays) and exits.
    void release()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.write("ROLLBACK;\n.quit\n");
        m_process.closeWriteChannel();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    static bool isLockedFromHere(const QString &dbPath)
    {
        const QString name = QStringLiteral("lock-probe");
        bool locked = false;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(dbPath);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=0"));
            if (db.open()) {
                QSqlQuery query(db);
                if (query.exec(QStringLiteral("BEGIN IMMEDIATE")))
                    query.exec(QStringLiteral("ROLLBACK"));
                else
                    locked = query.lastError().text().contains(QLatin1String("locked"));
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
        return locked;
    }

private:
    QProcess m_process;
};

// What the database holds, read through a connection of the test's own.
struct DatabaseView
{
    QSet<QString> eventIds;          // events.event_id
    QSet<QString> deliveredEventIds; // event ids with at least one delivery row
    QHash<QString, int> deliveriesByState;
    QString integrity; // PRAGMA integrity_check
    QString error;

    static DatabaseView read(const QString &path)
    {
        DatabaseView view;
        const QString name = QStringLiteral("inspect");
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
            db.setDatabaseName(path);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
            if (!db.open()) {
                view.error = db.lastError().text();
            } else {
                QSqlQuery query(db);
                if (query.exec(QStringLiteral("SELECT event_id FROM events"))) {
                    while (query.next())
                        view.eventIds.insert(query.value(0).toString());
                } else {
                    view.error = query.lastError().text();
                }
                if (query.exec(QStringLiteral(
                        "SELECT e.event_id, d.state FROM deliveries d JOIN events e ON e.id = d.event_id"))) {
                    while (query.next()) {
                        view.deliveredEventIds.insert(query.value(0).toString());
                        ++view.deliveriesByState[query.value(1).toString()];
                    }
                } else {
                    view.error = query.lastError().text();
                }
                if (query.exec(QStringLiteral("PRAGMA integrity_check")) && query.next())
                    view.integrity = query.value(0).toString();
            }
            db.close();
        }
        QSqlDatabase::removeDatabase(name);
        return view;
    }
};

// Waits until no delivery is pending or in flight.
bool waitUntilSettled(const QString &path)
{
    return QTest::qWaitFor(
        [&] {
            const DatabaseView view = DatabaseView::read(path);
            return view.error.isEmpty() && !view.deliveriesByState.contains(QStringLiteral("pending")) &&
                   !view.deliveriesByState.contains(QStringLiteral("in_flight"));
        },
        kWaitMs);
}

QString eventIdOf(const CapturedRequest &request)
{
    const QJsonArray events = QJsonDocument::fromJson(request.body).object().value(u"events").toArray();
    return events.at(0).toObject().value(u"id").toString();
}

QString joined(const QSet<QString> &set)
{
    QStringList list(set.cbegin(), set.cend());
    list.sort();
    return list.join(u' ');
}

// One POST and what came of it.
struct Outcome
{
    QString eventId;
    int status = 0;
    QByteArray retryAfter;
    QString code;
    int accepted = -1;
    int duplicates = -1;
    qint64 elapsedMs = 0;
};

// An HTTP request that does not block the test: GET without a body, else a POST of a registry envelope.
// Timed from start() to the answer (or the connection's end).
struct TimedRequest
{
    QNetworkAccessManager network;
    QElapsedTimer clock;
    qint64 elapsedMs = -1;
    int status = 0;
    QByteArray retryAfter;

    void start(const QUrl &url, const QByteArray &envelope)
    {
        QNetworkRequest request(url);
        request.setTransferTimeout(0);
        clock.start();
        QNetworkReply *reply = nullptr;
        if (envelope.isEmpty()) {
            reply = network.get(request);
        } else {
            request.setHeader(QNetworkRequest::ContentTypeHeader,
                              QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json"));
            reply = network.post(request, envelope);
        }
        QObject::connect(reply, &QNetworkReply::finished, reply, [this, reply] {
            elapsedMs = clock.elapsed();
            status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            retryAfter = reply->rawHeader("Retry-After");
            reply->deleteLater();
        });
    }
    bool wait(int timeoutMs) const
    {
        return QTest::qWaitFor([this] { return elapsedMs >= 0; }, timeoutMs);
    }
};

} // namespace

class TestStorageFaults : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void fullFileSystem();
    void queuedDeliveriesDuringFullFileSystem();
    void unwritableFiles();
    void lockedByAnotherProcess();
    void lockedWhilePolling();
    void serveRefusesReadOnlyFileSystem();
    void serveRefusesNewerSchema();
    void serveRefusesFailingMigration();

private:
    // A database with one webhook pointing at the sink, fast retries.
    bool prepareDatabase(const QString &path, QString *error);
    bool startEngine(const QString &path, QString *error, int pollIntervalMs = 200);
    Outcome post(const QString &eventId = {});
    // Posts until one answer is not 202; records 202s. Returns the first other answer (status 0: none came).
    Outcome postUntilRefused(int maxPosts);
    // After recovery: sends every refused event again, as the registry would; each must now be stored for the
    // first time (nothing of a refused request was kept).
    void resendRefused();
    // Every acknowledged event is in the database with its delivery, and reached the sink; every delivery
    // succeeded.
    void verifyNothingAcknowledgedIsLost(const QString &path);
    // The engine still serves HTTP (a request that needs no storage is answered).
    void verifyEngineAnswers();

    std::unique_ptr<HttpSink> m_sink;
    std::unique_ptr<Engine> m_engine;
    std::unique_ptr<IntakeClient> m_client;
    // Torn down in this order after each test: the lock released, the engine stopped, then its database's
    // directory or file system removed.
    std::unique_ptr<LockHolder> m_lock;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<ScratchFileSystem> m_fs;
    QStringList m_problems; // Engine::problem while running
    QStringList m_acked;    // event ids answered 202
    QStringList m_refused;  // event ids answered 503, not yet resent
};

void TestStorageFaults::init()
{
    m_sink = std::make_unique<HttpSink>();
    QVERIFY(m_sink->start());
    m_acked.clear();
    m_refused.clear();
    m_problems.clear();
}

void TestStorageFaults::cleanup()
{
    m_lock.reset();
    m_client.reset();
    if (m_engine)
        QVERIFY(m_engine->stopAndWait(15000));
    m_engine.reset();
    m_fs.reset();
    m_dir.reset();
    m_sink.reset();
}

bool TestStorageFaults::prepareDatabase(const QString &path, QString *error)
{
    Store store(std::make_unique<SqliteDialect>());
    if (!store.open(path, error))
        return false;
    WebhookConfig webhook;
    webhook.name = QStringLiteral("sink");
    webhook.url = m_sink->url().toString();
    webhook.retryScheduleSeconds = {1, 1, 1, 1, 1, 1, 1, 1};
    webhook.timeoutMs = 2000;
    if (store.insertWebhook(webhook) <= 0) {
        *error = store.lastError();
        return false;
    }
    return true;
}

bool TestStorageFaults::startEngine(const QString &path, QString *error, int pollIntervalMs)
{
    EngineConfig config;
    config.databaseLocation = path;
    config.listenPort = 0;
    config.pollIntervalMs = pollIntervalMs;
    config.gracefulStopMs = 1000;
    // An attempt whose record fails during a fault is held by its lease (webhook timeout + margin), then sent
    // again: short here, so the tests see the whole cycle.
    config.leaseMarginMs = 2000;
    m_engine = std::make_unique<Engine>(config);
    connect(m_engine.get(), &Engine::problem, this, [this](const QString &message) {
        m_problems.append(message);
        qInfo("engine problem: %s", qPrintable(message));
    });
    QSignalSpy started(m_engine.get(), &Engine::started);
    QSignalSpy failed(m_engine.get(), &Engine::failed);
    m_engine->start();
    if (!QTest::qWaitFor([&] { return !started.isEmpty() || !failed.isEmpty(); }, kWaitMs)) {
        *error = QStringLiteral("the engine neither started nor failed");
        return false;
    }
    if (!failed.isEmpty()) {
        *error = failed.first().first().toString();
        return false;
    }
    m_client = std::make_unique<IntakeClient>(m_engine->intakeUrl());
    return true;
}

Outcome TestStorageFaults::post(const QString &eventId)
{
    EventFactory::Spec spec;
    spec.id = eventId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : eventId;
    Outcome outcome;
    outcome.eventId = spec.id;
    QElapsedTimer clock;
    clock.start();
    const IntakeClient::Answer answer = m_client->post(EventFactory::envelopeOf(spec));
    outcome.elapsedMs = clock.elapsed();
    outcome.status = answer.status;
    outcome.retryAfter = answer.header("Retry-After");
    const QJsonObject json = answer.json();
    outcome.code = json.value(u"error").toObject().value(u"code").toString();
    outcome.accepted = json.value(u"accepted").toInt(-1);
    outcome.duplicates = json.value(u"duplicates").toInt(-1);
    if (outcome.status == 202)
        m_acked.append(outcome.eventId);
    else if (outcome.status == 503)
        m_refused.append(outcome.eventId);
    return outcome;
}

Outcome TestStorageFaults::postUntilRefused(int maxPosts)
{
    for (int i = 0; i < maxPosts; ++i) {
        const Outcome outcome = post();
        if (outcome.status != 202)
            return outcome;
    }
    return {};
}

void TestStorageFaults::resendRefused()
{
    const QStringList refused = std::exchange(m_refused, {});
    for (const QString &id : refused) {
        const Outcome outcome = post(id);
        QVERIFY2(outcome.status == 202,
                 qPrintable(QStringLiteral("resent %1: %2").arg(id).arg(outcome.status)));
        // Stored now for the first time: the refused request had left nothing behind.
        QCOMPARE(outcome.accepted, 1);
        QCOMPARE(outcome.duplicates, 0);
    }
}

void TestStorageFaults::verifyNothingAcknowledgedIsLost(const QString &path)
{
    const QSet<QString> acked(m_acked.cbegin(), m_acked.cend());
    QVERIFY(!acked.isEmpty());
    // Each acknowledged event reaches the subscriber (at least once: an attempt that could not be recorded
    // is sent again when its lease runs out).
    QSet<QString> received;
    const bool allReceived = QTest::qWaitFor(
        [&] {
            received.clear();
            const QList<CapturedRequest> requests = m_sink->requests();
            for (const CapturedRequest &request : requests)
                received.insert(eventIdOf(request));
            return received.contains(acked);
        },
        kWaitMs);
    QVERIFY2(allReceived,
             qPrintable(QStringLiteral("acknowledged but never delivered: ") + joined(acked - received)));

    // And the database says so: every delivery succeeded, including those whose attempt could not be recorded
    // during the fault (they are held by their lease, then sent again).
    DatabaseView view;
    const bool settled = QTest::qWaitFor(
        [&] {
            view = DatabaseView::read(path);
            return view.error.isEmpty() && !view.deliveriesByState.contains(QStringLiteral("pending")) &&
                   !view.deliveriesByState.contains(QStringLiteral("in_flight"));
        },
        kWaitMs);
    QVERIFY2(view.error.isEmpty(), qPrintable(view.error));
    QCOMPARE(view.integrity, QStringLiteral("ok"));
    QVERIFY2(view.eventIds.contains(acked),
             qPrintable(QStringLiteral("acknowledged but not stored: ") + joined(acked - view.eventIds)));
    QVERIFY2(view.deliveredEventIds.contains(acked),
             qPrintable(QStringLiteral("acknowledged without a delivery: ") +
                        joined(acked - view.deliveredEventIds)));
    // Nothing stored that was not acknowledged either (every refused event was resent and acknowledged).
    QVERIFY2(acked.contains(view.eventIds),
             qPrintable(QStringLiteral("stored but never acknowledged: ") + joined(view.eventIds - acked)));
    QStringList states;
    for (auto it = view.deliveriesByState.cbegin(); it != view.deliveriesByState.cend(); ++it)
        states.append(QStringLiteral("%1=%2").arg(it.key()).arg(it.value()));
    qInfo("%lld events acknowledged, %lld requests at the sink, deliveries: %s", qint64(acked.size()),
          qint64(m_sink->count()), qPrintable(states.join(u' ')));
    QVERIFY2(settled, qPrintable(QStringLiteral("deliveries not settled: ") + states.join(u' ')));
}

void TestStorageFaults::verifyEngineAnswers()
{
    QVERIFY(m_engine->isRunning());
    QUrl other = m_engine->intakeUrl();
    other.setPath(QStringLiteral("/healthz"));
    const IntakeClient::Answer answer = m_client->send("GET", other, {}, {});
    // Liveness holds through a storage fault: the engine thread still answers.
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.json().value(u"status").toString(), QStringLiteral("alive"));
}

void TestStorageFaults::fullFileSystem()
{
    const QString unavailable = ScratchFileSystem::whyUnavailable();
    if (!unavailable.isEmpty())
        QSKIP(qPrintable(unavailable));
    m_fs = std::make_unique<ScratchFileSystem>();
    ScratchFileSystem &fs = *m_fs;
    QString error;
    QVERIFY2(fs.mountTmpfs(8 * 1024 * 1024, &error), qPrintable(error));
    const QString path = fs.filePath(QStringLiteral("tidings.db"));
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    QVERIFY2(startEngine(path, &error), qPrintable(error));

    // Healthy: acknowledged and delivered.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(post().status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->count(), 5, kWaitMs);

    // Full. A few commits may still fit in space SQLite already owns (the WAL is reused after a checkpoint);
    // the first that needs a new block is refused, and so is every one after it.
    const qint64 filled = fs.fill(&error);
    QVERIFY2(filled > 0, qPrintable(error));
    const Outcome refused = postUntilRefused(200);
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.retryAfter, QByteArray("1"));
    QCOMPARE(refused.code, QStringLiteral("storage_unavailable"));
    for (int i = 0; i < 5; ++i) {
        const Outcome again = post();
        QCOMPARE(again.status, 503);
        QCOMPARE(again.code, QStringLiteral("storage_unavailable"));
    }
    verifyEngineAnswers();
    QVERIFY(!m_problems.isEmpty()); // the operator is told why

    // Space again: the very next request is stored; the engine needed no restart.
    fs.unfill();
    const Outcome recovered = post();
    QCOMPARE(recovered.status, 202);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(post().status, 202);
    resendRefused();
    verifyNothingAcknowledgedIsLost(path);
}

void TestStorageFaults::queuedDeliveriesDuringFullFileSystem()
{
    const QString unavailable = ScratchFileSystem::whyUnavailable();
    if (!unavailable.isEmpty())
        QSKIP(qPrintable(unavailable));
    m_fs = std::make_unique<ScratchFileSystem>();
    ScratchFileSystem &fs = *m_fs;
    QString error;
    QVERIFY2(fs.mountTmpfs(8 * 1024 * 1024, &error), qPrintable(error));
    const QString path = fs.filePath(QStringLiteral("tidings.db"));
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    QVERIFY2(startEngine(path, &error), qPrintable(error));

    // The subscriber fails for now: two deliveries wait for their retry, one second apart.
    HttpSink::Behaviour failing;
    failing.status = 500;
    m_sink->setBehaviour(failing);
    QCOMPARE(post().status, 202);
    QCOMPARE(post().status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(m_sink->count() >= 2, kWaitMs);

    const qint64 filled = fs.fill(&error);
    QVERIFY2(filled > 0, qPrintable(error));
    const int before = m_sink->count();
    QTest::qWait(4000);
    const int during = m_sink->count() - before;
    qInfo("requests sent during 4 s of full disk: %d", during);
    // A claim that cannot be committed must not be sent. At most each delivery may go out once, claimed just
    // before the disk filled up (its record then fails and the lease holds it).
    QVERIFY2(during <= 2, qPrintable(QStringLiteral("%1 requests for 2 deliveries").arg(during)));

    m_sink->setBehaviour({});
    fs.unfill();
    // A small claim can still fit into WAL space a failed larger commit left behind, while the attempt's
    // record does not: such a delivery stays in flight until its lease runs out, then goes out again.
    verifyNothingAcknowledgedIsLost(path);
}

void TestStorageFaults::unwritableFiles()
{
    // `mount -o remount,ro` is refused (EBUSY) while the engine holds the database open for writing, which it
    // always does. What a running engine meets instead is writes failing underneath it: here the database
    // files are made immutable on ext4, which refuses every write with EPERM, also through descriptors that
    // are already open.
    const QString unavailable = ScratchFileSystem::whyUnavailable();
    if (!unavailable.isEmpty())
        QSKIP(qPrintable(unavailable));
    m_fs = std::make_unique<ScratchFileSystem>();
    ScratchFileSystem &fs = *m_fs;
    QString error;
    QVERIFY2(fs.mountExt4(32 * 1024 * 1024, &error), qPrintable(error));
    const QString path = fs.filePath(QStringLiteral("tidings.db"));
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    QVERIFY2(startEngine(path, &error), qPrintable(error));

    for (int i = 0; i < 5; ++i)
        QCOMPARE(post().status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->count(), 5, kWaitMs);

    // The kernel really refuses a remount while the engine runs: the reason for the stand-in above.
    QVERIFY(!fs.remount(QStringLiteral("ro"), &error));

    // Not the -shm file: SQLite memory-maps it, and a store into a clean page of an immutable file is a
    // SIGBUS from the kernel, not an error SQLite could report. A full disk cannot do that (SQLite writes
    // every page of the -shm file when it grows it), so the test would only be measuring its own stand-in.
    const QStringList files{QStringLiteral("tidings.db"), QStringLiteral("tidings.db-wal")};
    QVERIFY2(fs.setImmutable(files, true, &error), qPrintable(error));
    const Outcome refused = postUntilRefused(200);
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.retryAfter, QByteArray("1"));
    QCOMPARE(refused.code, QStringLiteral("storage_unavailable"));
    for (int i = 0; i < 5; ++i)
        QCOMPARE(post().status, 503);
    verifyEngineAnswers();

    QVERIFY2(fs.setImmutable(files, false, &error), qPrintable(error));
    QCOMPARE(post().status, 202);
    for (int i = 0; i < 5; ++i)
        QCOMPARE(post().status, 202);
    resendRefused();
    verifyNothingAcknowledgedIsLost(path);
}

void TestStorageFaults::lockedByAnotherProcess()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    const QString path = m_dir->filePath(QStringLiteral("tidings.db"));
    QString error;
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    // No poll round during the test: each is a write that waits out the lock as well (see
    // lockedWhilePolling).
    QVERIFY2(startEngine(path, &error, 120000), qPrintable(error));

    for (int i = 0; i < 3; ++i)
        QCOMPARE(post().status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->count(), 3, kWaitMs);
    // Their attempts recorded too: a record waiting for the lock would delay the intake by a busy timeout.
    QVERIFY(waitUntilSettled(path));

    m_lock = std::make_unique<LockHolder>();
    LockHolder &lock = *m_lock;
    QVERIFY2(lock.hold(path, &error), qPrintable(error));

    // Meanwhile a request that needs no storage at all: it waits as long, because the engine thread that
    // serves HTTP is the one waiting for the lock.
    TimedRequest other;
    QUrl otherUrl = m_engine->intakeUrl();
    otherUrl.setPath(QStringLiteral("/healthz"));
    QTimer::singleShot(300, this, [&] { other.start(otherUrl, {}); });

    const Outcome refused = post();
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.retryAfter, QByteArray("1"));
    QCOMPARE(refused.code, QStringLiteral("storage_unavailable"));
    qInfo("503 under another process's write lock after %lld ms (busy timeout %d ms)", refused.elapsedMs,
          kBusyTimeoutMs);
    // It waited for the lock (the busy timeout), and not much longer. Usually about one busy timeout; but one
    // write of the engine's own (a poll round settling the last attempt, a housekeeping pass) may already be
    // waiting for the lock on the engine thread when the request arrives, and the request then waits behind
    // it: two busy timeouts, seen once on a loaded 2-core CI machine. More than that would mean the intake
    // retries or queues behind more than one waiter.
    QVERIFY2(refused.elapsedMs >= kBusyTimeoutMs - 500, qPrintable(QString::number(refused.elapsedMs)));
    QVERIFY2(refused.elapsedMs < 3 * kBusyTimeoutMs, qPrintable(QString::number(refused.elapsedMs)));
    QVERIFY(other.wait(kWaitMs));
    QCOMPARE(other.status, 200);
    qInfo("GET /healthz sent 300 ms into that wait answered after %lld ms", other.elapsedMs);

    const Outcome second = post();
    QCOMPARE(second.status, 503);
    verifyEngineAnswers();

    lock.release();
    QVERIFY(!LockHolder::isLockedFromHere(path));
    const Outcome recovered = post();
    QCOMPARE(recovered.status, 202);
    QVERIFY2(recovered.elapsedMs < 2000, qPrintable(QString::number(recovered.elapsedMs)));
    resendRefused();
    verifyNothingAcknowledgedIsLost(path);
}

void TestStorageFaults::lockedWhilePolling()
{
    // The same lock with poll rounds running (1 s here, 10 s by default). Every round starts with writes
    // (releasing expired leases, claiming), each waiting out the busy timeout on the engine thread, and the
    // next round is due as soon as one ends; the thread that serves HTTP spends one round per step of a
    // request (accept, read, commit). Measured: about 45 s to the 503 with 1 s rounds, against a registry
    // that gives up after 5 s.
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    const QString path = m_dir->filePath(QStringLiteral("tidings.db"));
    QString error;
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    QVERIFY2(startEngine(path, &error, 1000), qPrintable(error));
    QCOMPARE(post().status, 202);
    QTRY_COMPARE_WITH_TIMEOUT(m_sink->count(), 1, kWaitMs);
    QVERIFY(waitUntilSettled(path));

    m_lock = std::make_unique<LockHolder>();
    LockHolder &lock = *m_lock;
    QVERIFY2(lock.hold(path, &error), qPrintable(error));
    QTest::qWait(1500); // a poll round is now waiting for the lock
    EventFactory::Spec spec;
    spec.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    TimedRequest notify;
    notify.start(m_engine->intakeUrl(), EventFactory::envelopeOf(spec));
    // A round in progress waits once (then backs off), the request once more; the rest is slack for a loaded
    // machine. Before the back-off and the short busy timeout this took about 45 s.
    QVERIFY2(notify.wait(3 * kBusyTimeoutMs + 2000),
             "no 503 within three busy timeouts while poll rounds wait for the lock");

    // However late, the answer comes once the lock is gone, and it is the truth.
    lock.release();
    QVERIFY(notify.wait(3 * kWaitMs));
    qInfo("answered %d after %lld ms (busy timeout %d ms, poll rounds every 1 s)", notify.status,
          notify.elapsedMs, kBusyTimeoutMs);
    QVERIFY2(notify.status == 503 || notify.status == 202, qPrintable(QString::number(notify.status)));
    (notify.status == 202 ? m_acked : m_refused).append(spec.id);
    QCOMPARE(post().status, 202);
    resendRefused();
    verifyNothingAcknowledgedIsLost(path);
}

void TestStorageFaults::serveRefusesReadOnlyFileSystem()
{
    const QString unavailable = ScratchFileSystem::whyUnavailable();
    if (!unavailable.isEmpty())
        QSKIP(qPrintable(unavailable));
    m_fs = std::make_unique<ScratchFileSystem>();
    ScratchFileSystem &fs = *m_fs;
    QString error;
    QVERIFY2(fs.mountTmpfs(8 * 1024 * 1024, &error), qPrintable(error));
    const QString path = fs.filePath(QStringLiteral("tidings.db"));
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    QVERIFY2(fs.remount(QStringLiteral("ro"), &error), qPrintable(error));

    TidingsProcess tidings(path);
    tidings.setEchoServeStderr(false);
    QVERIFY(!tidings.startServe({}, &error));
    QVERIFY2(tidings.serveExitStatus() == QProcess::NormalExit && tidings.serveExitCode() != 0,
             qPrintable(error));
    const QString stderrText = QString::fromLocal8Bit(tidings.serveStderr());
    qInfo("serve on a read-only file system: %s", qPrintable(stderrText.trimmed()));
    QVERIFY2(stderrText.startsWith(QLatin1String("tidings: ")) &&
                 stderrText.contains(QLatin1String("database")),
             qPrintable(stderrText));
    QVERIFY2(stderrText.contains(QLatin1String("read-only"), Qt::CaseInsensitive), qPrintable(stderrText));

    // Writable again: serve starts on the same database.
    QVERIFY2(fs.remount(QStringLiteral("rw"), &error), qPrintable(error));
    QVERIFY2(tidings.startServe({}, &error), qPrintable(error));
    QVERIFY(tidings.stop());
}

void TestStorageFaults::serveRefusesNewerSchema()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    QString error;
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("future"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(
            query.exec(QStringLiteral("INSERT INTO schema_migrations VALUES (999, 'from the future', 0)")));
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("future"));

    TidingsProcess tidings(path);
    tidings.setEchoServeStderr(false);
    QVERIFY(!tidings.startServe({}, &error));
    QVERIFY2(tidings.serveExitStatus() == QProcess::NormalExit && tidings.serveExitCode() != 0,
             qPrintable(error));
    const QString stderrText = QString::fromLocal8Bit(tidings.serveStderr());
    QVERIFY2(stderrText.contains(QLatin1String("999")) && stderrText.contains(QLatin1String("newer")),
             qPrintable(stderrText));
    QVERIFY(tidings.serveStdout().isEmpty() || !tidings.serveStdout().contains("Intake:"));
}

void TestStorageFaults::serveRefusesFailingMigration()
{
    // A database whose record says the newest steps are missing while its schema already has them: replaying
    // the first of them fails halfway (its first statement meets what it creates), as a broken upgrade would.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("tidings.db"));
    QString error;
    QVERIFY2(prepareDatabase(path, &error), qPrintable(error));
    // The newest step that creates something: a step that only changes settings (7, the text index's merge
    // parameters) can be replayed without harm, so it cannot show a failure.
    const QList<Migration> steps = Migrations::all();
    qsizetype failing = steps.size() - 1;
    auto firstStatement = [](const Migration &step) {
        const QStringList sqlite = step.dialectStatements.value(QStringLiteral("sqlite"));
        return step.statements.isEmpty() ? sqlite.value(0) : step.statements.constFirst();
    };
    while (failing > 0 && !firstStatement(steps.at(failing)).startsWith(QLatin1String("CREATE ")))
        --failing;
    QVERIFY2(failing > 0, "no migration step creates anything");
    const int latest = steps.at(failing).version;
    // The step before it (versions grow but need not be contiguous).
    const int previous = steps.at(failing - 1).version;
    QStringList schemaBefore;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("broken"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("DELETE FROM schema_migrations WHERE version >= %1").arg(latest)));
        QVERIFY(query.exec(QStringLiteral("SELECT type, name, sql FROM sqlite_master ORDER BY name")));
        while (query.next())
            schemaBefore.append(query.value(0).toString() + u' ' + query.value(1).toString() + u' ' +
                                query.value(2).toString());
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("broken"));

    TidingsProcess tidings(path);
    tidings.setEchoServeStderr(false);
    QVERIFY(!tidings.startServe({}, &error));
    QVERIFY2(tidings.serveExitStatus() == QProcess::NormalExit && tidings.serveExitCode() != 0,
             qPrintable(error));
    const QString stderrText = QString::fromLocal8Bit(tidings.serveStderr());
    qInfo("serve on a failing migration: %s", qPrintable(stderrText.trimmed()));
    QVERIFY2(stderrText.contains(QStringLiteral("migration %1").arg(latest)) &&
                 stderrText.contains(QStringLiteral("stays at version %1").arg(previous)),
             qPrintable(stderrText));

    // The old schema is intact: the same tables, indexes and version record as before.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("after"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery query(db);
        QVERIFY(query.exec(QStringLiteral("SELECT type, name, sql FROM sqlite_master ORDER BY name")));
        QStringList schemaAfter;
        while (query.next())
            schemaAfter.append(query.value(0).toString() + u' ' + query.value(1).toString() + u' ' +
                               query.value(2).toString());
        QCOMPARE(schemaAfter, schemaBefore);
        QVERIFY(query.exec(QStringLiteral("SELECT MAX(version) FROM schema_migrations")) && query.next());
        QCOMPARE(query.value(0).toInt(), previous);
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("after"));
}

QTEST_GUILESS_MAIN(TestStorageFaults)
#include "tst_storagefaults.moc"
