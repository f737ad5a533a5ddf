// Crash safety of the real `tidings serve`: intake and dispatch under continuous load while the process is
// killed with SIGKILL at random moments and started again on the same database and port; then a graceful
// stop (SIGTERM) with attempts in flight. The promise checked: every event that was answered 2xx reaches
// every subscriber whose filter matches at least once; resends caused by a crash are bounded by what could
// have been in flight at the moment of the crash; a graceful stop finishes or hands back its attempts within
// seconds and loses nothing.
//
// The random moments come from a seeded generator; the seed is printed, and TIDINGS_CRASH_SEED=<n> replays
// the same choices (kill times, event mix).

#include "EventFactory.h"
#include "HttpSink.h"
#include "NotificationLoad.h"
#include "TidingsProcess.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace {

constexpr int kKills = 12;
// After each (re)start, serve runs this long (uniformly random) before it is killed; one kill in five comes
// within the first 250 ms, while the new process is still recovering what the last one left in flight.
constexpr int kEarlyKillPercent = 20;
constexpr int kEarlyRunMs = 250;
constexpr int kMaxRunMs = 3500;
// The process stays dead this long (random) before the restart: the registry sees refused connections.
constexpr int kMaxDownMs = 400;
// Webhook deadline and lease margin in the crash phase: a lease is 5 s + 2 s, so what a kill leaves in flight
// is sent again about 7 s later. The deadline is far above the sinks' answer time, so no attempt times out
// and every resend of a delivery the sink already had is caused by a kill.
const char *const kCrashTimeoutSeconds = "5";
const char *const kCrashLeaseMarginSeconds = "2";
const char *const kCrashPollSeconds = "0.5";
// After the load stops: until every acknowledged event arrived and nothing is pending or in flight.
constexpr int kDrainMs = 45000;
// A graceful stop gives attempts 5 s; the process must be gone well before this.
constexpr qint64 kGracefulExitMs = 8000;
// A delivery handed back by a graceful stop is sent at once by the next start, not after its lease (60 s).
constexpr int kReleasedResendMs = 5000;

const QString kManifest = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
const QString kLayer = QStringLiteral("application/vnd.oci.image.layer.v1.tar+gzip");

QStringList argv(std::initializer_list<const char *> items)
{
    QStringList list;
    for (const char *item : items)
        list.append(QString::fromUtf8(item));
    return list;
}

// What routing needs to know about an event the test made.
struct EventKind
{
    QString action;
    QString repository;
    QString mediaType;
    bool isManifest() const { return mediaType == kManifest; }
};

// One subscriber: its HTTP sink, its webhook's settings, the filter as the test expects it to route, and
// what it received, by webhook-id (the delivery's idempotency key) and by registry event id.
struct Subscriber
{
    QString name;
    QStringList webhookArgs;
    int concurrency = 1;
    std::function<bool(const EventKind &)> matches;
    HttpSink sink;
    QHash<QString, int> receiptsByMessage;
    QHash<QString, QSet<QString>> messagesByEvent;
    QHash<QString, QString> eventByMessage;
    int requests = 0;
    int unreadable = 0;

    void record(const CapturedRequest &request)
    {
        ++requests;
        const QString messageId = QString::fromLatin1(request.header("webhook-id"));
        const QString eventId = QJsonDocument::fromJson(request.body)
                                    .object()
                                    .value(u"events")
                                    .toArray()
                                    .at(0)
                                    .toObject()
                                    .value(u"id")
                                    .toString();
        if (messageId.isEmpty() || eventId.isEmpty()) {
            ++unreadable;
            return;
        }
        ++receiptsByMessage[messageId];
        messagesByEvent[eventId].insert(messageId);
        eventByMessage.insert(messageId, eventId);
    }
    // Receipts beyond the first of each delivery.
    int duplicates() const
    {
        int extra = 0;
        for (int count : receiptsByMessage)
            extra += count - 1;
        return extra;
    }
};

quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void sigkillUnderLoadLosesNothingAcknowledged();
    void sigtermFinishesOrReleasesInFlightAttempts();

private:
    Subscriber &addSubscriber(const QString &name, int concurrency, const QStringList &filterArgs,
                              std::function<bool(const EventKind &)> matches);
    bool addWebhooks(const QStringList &extra);
    bool startServe(const QStringList &extra);
    NotificationLoad::Generator generator(QRandomGenerator *random, const QString &prefix,
                                          const QList<EventKind> &kinds = {});
    // (acknowledged event, subscriber) pairs whose event the subscriber has not received.
    int missing(const QSet<QString> &acked, QStringList *examples = nullptr) const;
    // Subscribers that received an event their filter excludes.
    int misrouted(QStringList *examples = nullptr) const;
    std::optional<QJsonArray> deliveries(const QString &state = QString());
    // Rows that are pending or in flight: nullopt when the CLI fails.
    std::optional<int> openDeliveries();
    // Until every acknowledged event arrived and the queue is empty, at most timeoutMs.
    bool drain(NotificationLoad &load, int timeoutMs);
    // Checks the delivery table against what the sinks received; fills a failure reason.
    bool auditDeliveryTable(QString *reason);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<TidingsProcess> m_tidings;
    std::vector<std::unique_ptr<Subscriber>> m_subscribers;
    QHash<QString, EventKind> m_events; // every event the generator made
    quint16 m_port = 0;
};

void TestCrashSafety::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY2(m_dir->isValid(), qPrintable(m_dir->errorString()));
    m_tidings = std::make_unique<TidingsProcess>(m_dir->filePath(QStringLiteral("tidings.db")));
    QVERIFY2(QFileInfo(m_tidings->binary()).isExecutable(), qPrintable(m_tidings->binary()));
    // The same port across restarts, so the load generator (the "registry") keeps one URL.
    m_port = freePort();
    QVERIFY(m_port != 0);
}

void TestCrashSafety::cleanup()
{
    m_tidings.reset(); // kills a serve that is still running
    m_subscribers.clear();
    m_events.clear();
    m_dir.reset();
}

Subscriber &TestCrashSafety::addSubscriber(const QString &name, int concurrency,
                                           const QStringList &filterArgs,
                                           std::function<bool(const EventKind &)> matches)
{
    auto subscriber = std::make_unique<Subscriber>();
    subscriber->name = name;
    subscriber->concurrency = concurrency;
    subscriber->webhookArgs = filterArgs;
    subscriber->matches = std::move(matches);
    Subscriber *raw = subscriber.get();
    QObject::connect(&raw->sink, &HttpSink::requestReceived, &raw->sink,
                     [raw](const CapturedRequest &request) { raw->record(request); });
    m_subscribers.push_back(std::move(subscriber));
    return *raw;
}

bool TestCrashSafety::addWebhooks(const QStringList &extra)
{
    for (const auto &subscriber : m_subscribers) {
        if (!subscriber->sink.start()) {
            qWarning() << "sink" << subscriber->name << "cannot listen";
            return false;
        }
        const QStringList args = argv({"webhook", "add", "--name"})
                                 << subscriber->name << QStringLiteral("--url")
                                 << subscriber->sink.url().toString() << QStringLiteral("--concurrency")
                                 << QString::number(subscriber->concurrency) << subscriber->webhookArgs
                                 << extra;
        const CliResult result = m_tidings->runCli(args);
        if (result.exitCode != 0) {
            qWarning().noquote() << "webhook add" << subscriber->name << "failed:" << result.describe();
            return false;
        }
    }
    return true;
}

bool TestCrashSafety::startServe(const QStringList &extra)
{
    // TidingsProcess passes --listen 127.0.0.1:0 first; the last --listen wins.
    const QStringList args =
        QStringList{QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(m_port)} + extra;
    QString error;
    for (int attempt = 1; attempt <= 5; ++attempt) {
        if (m_tidings->startServe(args, &error))
            return true;
        qWarning().noquote() << "serve did not start (attempt" << attempt << "):" << error;
        QTest::qWait(300);
    }
    return false;
}

NotificationLoad::Generator TestCrashSafety::generator(QRandomGenerator *random, const QString &prefix,
                                                       const QList<EventKind> &kinds)
{
    auto sequence = std::make_shared<int>(0);
    return [this, random, prefix, kinds, sequence](QStringList *eventIds) {
        static const QStringList repositories{QStringLiteral("team/app"), QStringLiteral("team/api"),
                                              QStringLiteral("other/web"), QStringLiteral("library/nginx")};
        // Mostly one event per envelope, as docker-registry sends them; sometimes a few (all or nothing).
        const int count = random->bounded(100) < 75 ? 1 : 2 + int(random->bounded(2));
        QList<QByteArray> events;
        for (int i = 0; i < count; ++i) {
            EventFactory::Spec spec;
            spec.id = QStringLiteral("%1-%2").arg(prefix).arg(++*sequence, 6, 10, QLatin1Char('0'));
            spec.repository = repositories.at(int(random->bounded(qsizetype(repositories.size()))));
            if (!kinds.isEmpty()) {
                const EventKind &kind = kinds.at(int(random->bounded(qsizetype(kinds.size()))));
                spec.action = kind.action;
                spec.repository = kind.repository;
                spec.mediaType = kind.mediaType;
            } else {
                const int roll = int(random->bounded(100));
                if (roll < 60) { // a tag push of an image manifest
                    spec.action = QStringLiteral("push");
                    spec.mediaType = kManifest;
                } else if (roll < 70) { // a blob push: delivered to nobody
                    spec.action = QStringLiteral("push");
                    spec.mediaType = kLayer;
                    spec.tag.clear();
                } else if (roll < 80) { // a tag delete: no media type
                    spec.action = QStringLiteral("delete");
                    spec.mediaType.clear();
                } else if (roll < 90) { // a delete by digest
                    spec.action = QStringLiteral("delete");
                    spec.mediaType = kManifest;
                    spec.tag.clear();
                } else { // a pull: delivered to nobody
                    spec.action = QStringLiteral("pull");
                    spec.mediaType = kManifest;
                }
            }
            m_events.insert(spec.id, EventKind{spec.action, spec.repository, spec.mediaType});
            eventIds->append(spec.id);
            events.append(EventFactory::event(spec));
        }
        return EventFactory::envelope(events);
    };
}

int TestCrashSafety::missing(const QSet<QString> &acked, QStringList *examples) const
{
    int lost = 0;
    for (const QString &eventId : acked) {
        const EventKind kind = m_events.value(eventId);
        for (const auto &subscriber : m_subscribers) {
            if (subscriber->matches(kind) && !subscriber->messagesByEvent.contains(eventId)) {
                ++lost;
                if (examples && examples->size() < 10)
                    examples->append(QStringLiteral("%1 (%2 %3) -> %4")
                                         .arg(eventId, kind.action, kind.repository, subscriber->name));
            }
        }
    }
    return lost;
}

int TestCrashSafety::misrouted(QStringList *examples) const
{
    int wrong = 0;
    for (const auto &subscriber : m_subscribers) {
        for (auto it = subscriber->messagesByEvent.cbegin(); it != subscriber->messagesByEvent.cend(); ++it) {
            const auto kind = m_events.constFind(it.key());
            if (kind == m_events.cend() || !subscriber->matches(*kind)) {
                ++wrong;
                if (examples && examples->size() < 10)
                    examples->append(it.key() + QStringLiteral(" -> ") + subscriber->name);
            }
        }
    }
    return wrong;
}

std::optional<QJsonArray> TestCrashSafety::deliveries(const QString &state)
{
    QStringList args = argv({"deliveries", "list", "--json", "--limit", "100000"});
    if (!state.isEmpty())
        args << QStringLiteral("--status") << state;
    const CliResult result = m_tidings->runCli(args);
    if (result.exitCode != 0) {
        qWarning().noquote() << "deliveries list failed:" << result.describe();
        return std::nullopt;
    }
    const QJsonDocument document = QJsonDocument::fromJson(result.out);
    if (!document.isArray()) {
        qWarning().noquote() << "deliveries list printed no JSON array:" << result.describe();
        return std::nullopt;
    }
    return document.array();
}

std::optional<int> TestCrashSafety::openDeliveries()
{
    const std::optional<QJsonArray> inFlight = deliveries(QStringLiteral("in_flight"));
    const std::optional<QJsonArray> pending = deliveries(QStringLiteral("pending"));
    if (!inFlight || !pending)
        return std::nullopt;
    return int(inFlight->size() + pending->size());
}

bool TestCrashSafety::drain(NotificationLoad &load, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        QTest::qWait(250);
        if (!load.isSettled() || missing(load.ackedEventIds()) > 0)
            continue;
        const std::optional<int> open = openDeliveries();
        if (open && *open == 0)
            return true;
    }
    return false;
}

bool TestCrashSafety::auditDeliveryTable(QString *reason)
{
    const std::optional<QJsonArray> all = deliveries();
    if (!all) {
        *reason = QStringLiteral("deliveries list --json failed");
        return false;
    }
    QHash<QString, int> states;
    QStringList problems;
    for (const QJsonValue &value : *all) {
        const QJsonObject row = value.toObject();
        const QString state = row.value(u"state").toString();
        ++states[state];
        const QString messageId = row.value(u"messageId").toString();
        const QString webhook = row.value(u"webhook").toString();
        if (state != QLatin1String("succeeded") && problems.size() < 10)
            problems.append(QStringLiteral("delivery %1 (%2) is %3")
                                .arg(row.value(u"id").toInteger())
                                .arg(webhook, state));
        // A succeeded delivery was received by its own webhook's sink, under its own webhook-id.
        bool received = false;
        for (const auto &subscriber : m_subscribers) {
            if (subscriber->name == webhook)
                received = subscriber->receiptsByMessage.contains(messageId);
        }
        if (!received && problems.size() < 10)
            problems.append(QStringLiteral("delivery %1 (%2, %3) never reached its sink")
                                .arg(row.value(u"id").toInteger())
                                .arg(webhook, messageId));
    }
    int distinctReceived = 0;
    for (const auto &subscriber : m_subscribers)
        distinctReceived += int(subscriber->receiptsByMessage.size());
    qInfo().noquote() << "delivery table:" << all->size() << "rows,"
                      << states.value(QStringLiteral("succeeded")) << "succeeded,"
                      << states.value(QStringLiteral("pending")) << "pending,"
                      << states.value(QStringLiteral("in_flight")) << "in flight,"
                      << states.value(QStringLiteral("failed")) << "failed";
    if (all->size() != distinctReceived)
        problems.append(QStringLiteral("%1 delivery rows, but the sinks received %2 distinct webhook-ids")
                            .arg(all->size())
                            .arg(distinctReceived));
    if (!problems.isEmpty()) {
        *reason = problems.join(QStringLiteral("; "));
        return false;
    }
    return true;
}

void TestCrashSafety::sigkillUnderLoadLosesNothingAcknowledged()
{
    QElapsedTimer runtime;
    runtime.start();
    const quint64 seed = qEnvironmentVariableIsSet("TIDINGS_CRASH_SEED")
                             ? qEnvironmentVariable("TIDINGS_CRASH_SEED").toULongLong()
                             : QRandomGenerator::global()->generate();
    qInfo().noquote()
        << QStringLiteral("seed %1 (replay the same choices with TIDINGS_CRASH_SEED=%1)").arg(seed);
    QRandomGenerator random(seed);

    // Three subscribers with overlapping filters, so "every matching sink" means something. The team sink
    // answers after 100 ms, which keeps attempts in flight when the kill comes.
    addSubscriber(QStringLiteral("pushes"), 4, argv({"--actions", "push"}),
                  [](const EventKind &e) { return e.action == QLatin1String("push") && e.isManifest(); });
    Subscriber &team =
        addSubscriber(QStringLiteral("team"), 3, argv({"--repository", "team/*", "--actions", "push,delete"}),
                      [](const EventKind &e) {
                          return e.repository.startsWith(QLatin1String("team/")) &&
                                 ((e.action == QLatin1String("push") && e.isManifest()) ||
                                  e.action == QLatin1String("delete"));
                      });
    addSubscriber(QStringLiteral("deletes"), 2, argv({"--actions", "delete"}),
                  [](const EventKind &e) { return e.action == QLatin1String("delete"); });
    HttpSink::Behaviour slow;
    slow.delayMs = 100;
    team.sink.setBehaviour(slow);
    int concurrencySum = 0;
    for (const auto &subscriber : m_subscribers)
        concurrencySum += subscriber->concurrency;
    QVERIFY(addWebhooks(argv({"--timeout"}) << QString::fromLatin1(kCrashTimeoutSeconds)
                                            << QStringLiteral("--retry-schedule") << QStringLiteral("0,1,1,2")
                                            << QStringLiteral("--max-attempts") << QStringLiteral("100")));

    const QStringList serveArgs = argv({"--poll-interval"}) << QString::fromLatin1(kCrashPollSeconds)
                                                            << QStringLiteral("--lease-margin")
                                                            << QString::fromLatin1(kCrashLeaseMarginSeconds);
    QVERIFY(startServe(serveArgs));
    const QUrl intakeUrl = m_tidings->intakeUrl();

    NotificationLoad::Settings settings;
    settings.maxInFlight = 4;
    settings.intervalMs = 25;
    NotificationLoad load(intakeUrl, generator(&random, QStringLiteral("k")), settings);
    load.start();

    int kills = 0;
    for (int i = 0; i < kKills; ++i) {
        const int runMs = int(random.bounded(100)) < kEarlyKillPercent
                              ? int(random.bounded(kEarlyRunMs))
                              : kEarlyRunMs + int(random.bounded(kMaxRunMs - kEarlyRunMs));
        const int downMs = int(random.bounded(kMaxDownMs));
        QTest::qWait(runMs);
        QVERIFY2(m_tidings->isServing(), m_tidings->serveStderr().constData());
        m_tidings->kill();
        QCOMPARE(m_tidings->serveExitStatus(), QProcess::CrashExit);
        ++kills;
        int received = 0;
        for (const auto &subscriber : m_subscribers)
            received += subscriber->requests;
        qInfo().noquote() << QStringLiteral("kill %1 after %2 ms (down %3 ms): %4 events acknowledged, %5 "
                                            "requests at the sinks so far")
                                 .arg(kills)
                                 .arg(runMs)
                                 .arg(downMs)
                                 .arg(load.ackedEventIds().size())
                                 .arg(received);
        QTest::qWait(downMs);
        QVERIFY(startServe(serveArgs));
        QCOMPARE(m_tidings->intakeUrl(), intakeUrl);
    }
    // A last stretch of load on the surviving process, then only the resends of what was never answered.
    QTest::qWait(1000);
    load.stopGenerating();

    QElapsedTimer drainClock;
    drainClock.start();
    const bool drained = drain(load, kDrainMs);
    const qint64 drainMs = drainClock.elapsed();
    const QSet<QString> acked = load.ackedEventIds();
    QStringList lostExamples;
    const int lost = missing(acked, &lostExamples);
    int expectedDeliveries = 0;
    for (const QString &eventId : acked) {
        for (const auto &subscriber : m_subscribers)
            expectedDeliveries += subscriber->matches(m_events.value(eventId)) ? 1 : 0;
    }
    int requests = 0;
    int duplicates = 0;
    int unreadable = 0;
    int eventsRoutedTwice = 0;
    QStringList perSink;
    for (const auto &subscriber : m_subscribers) {
        requests += subscriber->requests;
        duplicates += subscriber->duplicates();
        unreadable += subscriber->unreadable;
        for (const QSet<QString> &messages : std::as_const(subscriber->messagesByEvent))
            eventsRoutedTwice += messages.size() > 1 ? 1 : 0;
        perSink.append(QStringLiteral("%1: %2 requests, %3 duplicates")
                           .arg(subscriber->name)
                           .arg(subscriber->requests)
                           .arg(subscriber->duplicates()));
    }
    const int bound = kills * concurrencySum;
    QStringList statuses;
    const QHash<int, int> statusCounts = load.statusCounts();
    for (auto it = statusCounts.cbegin(); it != statusCounts.cend(); ++it)
        statuses.append(QStringLiteral("%1: %2")
                            .arg(it.key() ? QString::number(it.key()) : QStringLiteral("no answer"))
                            .arg(it.value()));
    qInfo().noquote()
        << QStringLiteral("kills %1; events made %2, acknowledged %3 (%4 envelopes, %5 requests, %6 resends; "
                          "intake answers {%7}); deliveries expected %8, requests at the sinks %9; lost %10; "
                          "duplicates %11 (bound %12 = %1 kills x %13 concurrency) [%14]; drained in %15 ms; "
                          "runtime %16 s")
               .arg(kills)
               .arg(m_events.size())
               .arg(acked.size())
               .arg(load.envelopesAcked())
               .arg(load.requestsSent())
               .arg(load.resends())
               .arg(statuses.join(QStringLiteral(", ")))
               .arg(expectedDeliveries)
               .arg(requests)
               .arg(lost)
               .arg(duplicates)
               .arg(bound)
               .arg(concurrencySum)
               .arg(perSink.join(QStringLiteral("; ")))
               .arg(drainMs)
               .arg(runtime.elapsed() / 1000.0, 0, 'f', 1);

    QCOMPARE(kills, kKills);
    QVERIFY2(acked.size() > 100, "the load generator got too few events acknowledged to mean anything");
    QVERIFY2(lost == 0,
             qPrintable(QStringLiteral("%1 acknowledged (event, webhook) pairs never delivered, e.g. %2")
                            .arg(lost)
                            .arg(lostExamples.join(QStringLiteral(", ")))));
    // The registry resends what was not answered; after the last restart every envelope got its 2xx.
    QVERIFY2(load.isSettled(),
             qPrintable(QStringLiteral("%1 envelopes never acknowledged").arg(load.unacked())));
    QVERIFY2(drained, "the queue did not empty (pending or in-flight deliveries remain)");
    QCOMPARE(unreadable, 0);
    QStringList misroutedExamples;
    QVERIFY2(misrouted(&misroutedExamples) == 0, qPrintable(misroutedExamples.join(QStringLiteral(", "))));
    // A resent event (its 202 was lost in a kill) is recognised by its id and routed once: one webhook-id per
    // event and webhook.
    QCOMPARE(eventsRoutedTwice, 0);
    QVERIFY2(
        duplicates <= bound,
        qPrintable(QStringLiteral("%1 duplicate receipts, more than the %2 attempts that can have been in "
                                  "flight at %3 kills")
                       .arg(duplicates)
                       .arg(bound)
                       .arg(kills)));

    QElapsedTimer stopClock;
    stopClock.start();
    QVERIFY2(m_tidings->stop(10000), m_tidings->serveStderr().constData());
    QVERIFY(stopClock.elapsed() < kGracefulExitMs);
    QString reason;
    QVERIFY2(auditDeliveryTable(&reason), qPrintable(reason));
}

void TestCrashSafety::sigtermFinishesOrReleasesInFlightAttempts()
{
    QElapsedTimer runtime;
    runtime.start();
    QRandomGenerator random(1);
    // "slow" answers after 1.5 s: its attempts in flight at SIGTERM finish within the 5 s of grace and are
    // recorded, so they are not sent again. "hung" never answers while the first process runs: its attempts
    // are aborted after the grace and handed back to the queue, and the next process sends them at once
    // (their lease, 30 s timeout + 30 s margin, is nowhere near over).
    Subscriber &slow =
        addSubscriber(QStringLiteral("slow"), 4, argv({"--actions", "push", "--timeout", "10"}),
                      [](const EventKind &e) { return e.action == QLatin1String("push"); });
    Subscriber &hung = addSubscriber(
        QStringLiteral("hung"), 2, argv({"--actions", "push", "--repository", "team/*", "--timeout", "30"}),
        [](const EventKind &e) {
            return e.action == QLatin1String("push") && e.repository.startsWith(QLatin1String("team/"));
        });
    HttpSink::Behaviour slowAnswers;
    slowAnswers.delayMs = 1500;
    slow.sink.setBehaviour(slowAnswers);
    HttpSink::Behaviour noAnswer;
    noAnswer.neverAnswer = true;
    hung.sink.setBehaviour(noAnswer);
    QVERIFY(addWebhooks({}));

    const QStringList serveArgs = argv({"--poll-interval", "1"}); // the default lease margin (30 s)
    QVERIFY(startServe(serveArgs));
    const QList<EventKind> kinds{{QStringLiteral("push"), QStringLiteral("team/app"), kManifest},
                                 {QStringLiteral("push"), QStringLiteral("other/web"), kManifest}};
    NotificationLoad::Settings settings;
    settings.maxInFlight = 2;
    settings.intervalMs = 50;
    NotificationLoad load(m_tidings->intakeUrl(), generator(&random, QStringLiteral("t"), kinds), settings);
    load.start();

    // Both webhooks have every slot busy, and the load is still coming in.
    QTRY_VERIFY_WITH_TIMEOUT(slow.requests >= slow.concurrency && hung.requests >= hung.concurrency, 10000);
    QTest::qWait(300);

    QElapsedTimer stopClock;
    stopClock.start();
    const bool clean = m_tidings->stop(15000);
    const qint64 stopMs = stopClock.elapsed();
    load.stopGenerating();
    qInfo().noquote() << "SIGTERM with attempts in flight: exited in" << stopMs << "ms, code"
                      << m_tidings->serveExitCode();
    QVERIFY2(clean, m_tidings->serveStderr().constData());
    QVERIFY2(stopMs < kGracefulExitMs,
             qPrintable(QStringLiteral("the graceful stop took %1 ms").arg(stopMs)));

    // Nothing is left in flight: each attempt was either recorded or handed back.
    const std::optional<QJsonArray> inFlight = deliveries(QStringLiteral("in_flight"));
    QVERIFY(inFlight);
    QVERIFY2(inFlight->isEmpty(), QJsonDocument(*inFlight).toJson().constData());
    const std::optional<QJsonArray> all = deliveries();
    QVERIFY(all);
    QHash<QString, QString> stateByMessage;
    for (const QJsonValue &value : *all)
        stateByMessage.insert(value.toObject().value(u"messageId").toString(),
                              value.toObject().value(u"state").toString());
    // What the slow sink received was answered within the grace, and recorded.
    for (auto it = slow.receiptsByMessage.cbegin(); it != slow.receiptsByMessage.cend(); ++it)
        QCOMPARE(stateByMessage.value(it.key()), QStringLiteral("succeeded"));
    // What the hung sink received went back to the queue.
    const QList<QString> released = hung.receiptsByMessage.keys();
    QVERIFY(!released.isEmpty());
    for (const QString &messageId : released)
        QCOMPARE(stateByMessage.value(messageId), QStringLiteral("pending"));
    const int slowBeforeRestart = slow.requests;

    // Both endpoints answer at once from now on.
    slow.sink.setBehaviour(HttpSink::Behaviour());
    hung.sink.setBehaviour(HttpSink::Behaviour());
    QVERIFY(startServe(serveArgs));
    QElapsedTimer resendClock;
    resendClock.start();
    auto releasedResent = [&] {
        for (const QString &messageId : released) {
            if (hung.receiptsByMessage.value(messageId) < 2)
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(releasedResent(), kReleasedResendMs);
    const qint64 resendMs = resendClock.elapsed();

    QVERIFY2(drain(load, 30000), "the queue did not empty after the restart");
    const QSet<QString> acked = load.ackedEventIds();
    QStringList lostExamples;
    const int lost = missing(acked, &lostExamples);
    qInfo().noquote() << QStringLiteral(
                             "after the restart: %1 released attempts sent again within %2 ms; %3 "
                             "events acknowledged; slow sink %4 requests (%5 before the restart), %6 "
                             "duplicates; hung sink %7 requests, %8 duplicates; lost %9; runtime %10 s")
                             .arg(released.size())
                             .arg(resendMs)
                             .arg(acked.size())
                             .arg(slow.requests)
                             .arg(slowBeforeRestart)
                             .arg(slow.duplicates())
                             .arg(hung.requests)
                             .arg(hung.duplicates())
                             .arg(lost)
                             .arg(runtime.elapsed() / 1000.0, 0, 'f', 1);
    QVERIFY2(lost == 0,
             qPrintable(QStringLiteral("%1 acknowledged (event, webhook) pairs never delivered, e.g. %2")
                            .arg(lost)
                            .arg(lostExamples.join(QStringLiteral(", ")))));
    // Finished attempts are not repeated; only the handed-back ones are, once each.
    QCOMPARE(slow.duplicates(), 0);
    QCOMPARE(hung.duplicates(), int(released.size()));
    QStringList misroutedExamples;
    QVERIFY2(misrouted(&misroutedExamples) == 0, qPrintable(misroutedExamples.join(QStringLiteral(", "))));

    QVERIFY2(m_tidings->stop(10000), m_tidings->serveStderr().constData());
    QString reason;
    QVERIFY2(auditDeliveryTable(&reason), qPrintable(reason));
}

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crashsafety.moc"
