// Retention soak: `tidings serve` under a constant stream of notifications for a few minutes, with a short
// retention, sampling the database size and the process's RSS. Both must level off instead of growing with
// the number of events. Prints a markdown table. Run: make soak  (or build/bench/tidings_soak --help)
#include "EventFactory.h"
#include "HttpSink.h"
#include "TidingsProcess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTextStream>
#include <QTimer>

namespace {

qint64 rssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

QString mebibytes(qint64 bytes)
{
    return QString::number(bytes / 1048576.0, 'f', 1);
}

// Rows the database holds and the share of its pages that are free for reuse, read over a connection of our
// own.
QString liveRows(const QString &path)
{
    QSqlDatabase db = QSqlDatabase::database(QStringLiteral("soak"), false);
    if (!db.isValid()) {
        db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("soak"));
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
    }
    if (!db.isOpen() && !db.open())
        return QStringLiteral("- | - | -");
    auto scalar = [&db](const QString &sql) {
        QSqlQuery query(db);
        return query.exec(sql) && query.next() ? query.value(0).toLongLong() : -1;
    };
    const qint64 pages = scalar(QStringLiteral("PRAGMA page_count"));
    const qint64 free = scalar(QStringLiteral("PRAGMA freelist_count"));
    return QStringLiteral("%1 | %2 | %3 | %4 %")
        .arg(scalar(QStringLiteral("SELECT COUNT(*) FROM events")))
        .arg(scalar(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state IN ('succeeded', 'failed')")))
        .arg(
            scalar(QStringLiteral("SELECT COUNT(*) FROM deliveries WHERE state IN ('pending', 'in_flight')")))
        .arg(pages > 0 ? qRound(100.0 * free / pages) : 0);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Retention soak for tidings serve"));
    parser.addHelpOption();
    parser.addOptions(
        {{QStringLiteral("seconds"), QStringLiteral("How long to run."), QStringLiteral("N"),
          QStringLiteral("180")},
         {QStringLiteral("sample"), QStringLiteral("Seconds between samples."), QStringLiteral("N"),
          QStringLiteral("15")},
         {QStringLiteral("in-flight"), QStringLiteral("Intake requests outstanding."), QStringLiteral("N"),
          QStringLiteral("8")},
         {QStringLiteral("rate"), QStringLiteral("Events per second offered (0: as fast as accepted)."),
          QStringLiteral("N"), QStringLiteral("150")},
         {QStringLiteral("retention"), QStringLiteral("serve --retention."), QStringLiteral("AGE"),
          QStringLiteral("30s")},
         {QStringLiteral("per-webhook"), QStringLiteral("serve --retention-per-webhook."),
          QStringLiteral("N"), QStringLiteral("5000")}});
    parser.process(app);
    const int seconds = parser.value(QStringLiteral("seconds")).toInt();
    const int sampleSeconds = parser.value(QStringLiteral("sample")).toInt();
    const int inFlightLimit = parser.value(QStringLiteral("in-flight")).toInt();
    const int rate = parser.value(QStringLiteral("rate")).toInt();
    QTextStream out(stdout);

    QTemporaryDir dir;
    const QString database = dir.filePath(QStringLiteral("soak.db"));
    HttpSink sink;
    sink.setRecording(false);
    if (!sink.start()) {
        out << "cannot start the sink\n";
        return 1;
    }
    TidingsProcess tidings(database);
    tidings.setEchoServeStderr(false);
    for (const QString &name : {QStringLiteral("all-pushes"), QStringLiteral("team-pushes")}) {
        QStringList add{QStringLiteral("webhook"), QStringLiteral("add"),
                        QStringLiteral("--name"),  name,
                        QStringLiteral("--url"),   sink.url(QStringLiteral("/") + name).toString()};
        if (name == QLatin1String("team-pushes"))
            add << QStringLiteral("--repository") << QStringLiteral("team/*");
        if (tidings.runCli(add).exitCode != 0) {
            out << "cannot add webhook " << name << "\n";
            return 1;
        }
    }
    QString error;
    if (!tidings.startServe({QStringLiteral("--retention"), parser.value(QStringLiteral("retention")),
                             QStringLiteral("--retention-per-webhook"),
                             parser.value(QStringLiteral("per-webhook")), QStringLiteral("--poll-interval"),
                             QStringLiteral("1")},
                            &error)) {
        out << error << "\n";
        return 1;
    }

    QNetworkAccessManager network;
    qint64 acked = 0;
    qint64 refused = 0;
    int inFlight = 0;
    bool running = true;
    // A constant offered rate: the backlog then shows whether delivery keeps up, and retention has a steady
    // state.
    qint64 sent = 0;
    QElapsedTimer rateClock;
    rateClock.start();
    std::function<void()> pump = [&] {
        while (running && inFlight < inFlightLimit &&
               (rate <= 0 || sent < rateClock.elapsed() * rate / 1000)) {
            ++sent;
            EventFactory::Spec spec;
            spec.repository = (acked % 2) ? QStringLiteral("team/app") : QStringLiteral("other/app");
            QNetworkRequest request(tidings.intakeUrl());
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            QNetworkReply *reply = network.post(request, EventFactory::envelopeOf(spec));
            ++inFlight;
            QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply] {
                --inFlight;
                if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 202)
                    ++acked;
                else
                    ++refused;
                reply->deleteLater();
                QTimer::singleShot(0, &app, pump);
            });
        }
    };

    out << "| time (s) | events acked | events/s | deliveries at sink | database file (MiB) | WAL (MiB) | "
           "serve RSS (MiB) |\n"
        << "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    out.flush();
    QElapsedTimer clock;
    clock.start();
    qint64 lastAcked = 0;
    auto sample = [&] {
        const double elapsed = clock.elapsed() / 1000.0;
        out << "| " << qRound(elapsed) << " | " << acked << " | "
            << qRound((acked - lastAcked) / double(sampleSeconds)) << " | " << sink.count() << " | "
            << liveRows(database) << " | " << mebibytes(QFileInfo(database).size()) << " | "
            << mebibytes(QFileInfo(database + QStringLiteral("-wal")).size()) << " | "
            << mebibytes(rssKiB(tidings.servePid()) * 1024) << " |\n";
        out.flush();
        lastAcked = acked;
    };
    QTimer sampler;
    QObject::connect(&sampler, &QTimer::timeout, &app, sample);
    sampler.start(sampleSeconds * 1000);
    QTimer::singleShot(seconds * 1000, &app, [&] {
        running = false;
        sampler.stop();
        sample();
        app.quit();
    });
    QTimer pacer;
    QObject::connect(&pacer, &QTimer::timeout, &app, pump);
    pacer.start(10);
    sample();
    pump();
    app.exec();
    out << "\n"
        << acked << " events acknowledged, " << refused << " refused, " << sink.count()
        << " deliveries received; retention " << parser.value(QStringLiteral("retention")) << ", "
        << parser.value(QStringLiteral("per-webhook")) << " per webhook\n";
    tidings.stop();
    return 0;
}
