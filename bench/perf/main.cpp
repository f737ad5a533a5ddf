// tidings_bench: the moving parts of `make bench` (bench/run.py orchestrates them and prints the table).
//   sink   --endpoints N [--slow INDEX:MS]    loopback subscriber endpoints; prints "ports P1 P2 ...", runs
//   until killed send   --ports P1,P2,.. --count N [--concurrency C]    the bare QNetworkAccessManager sender
//   (dispatch peer) seed   --db FILE --ports P1,.. [--pending N] [--finished N] [--concurrency C]
//   [--due-in-ms MS --due-spread-ms MS] load   --url INTAKE --rate R --seconds S [--token T]  constant-rate
//   notifications for the latency figure claims --db FILE [--rounds N] [--batch N]              claim
//   statement timing and plan on a large queue
//   commits --db POSTGRESQL-URL --rate R --seconds S   commits events the way the intake does, for the NOTIFY
//   wake-up figure (another instance delivers them)
// Each subcommand but `sink` prints one JSON object on stdout.
#include "BareSender.h"
#include "BenchSeeder.h"
#include "BenchSink.h"
#include "ClaimProbe.h"
#include "CommitLoad.h"
#include "RateLoad.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

namespace {

void print(const QJsonObject &object)
{
    std::printf("%s\n", QJsonDocument(object).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
}

int fail(const QString &message)
{
    std::fprintf(stderr, "tidings_bench: %s\n", qPrintable(message));
    return 1;
}

qint64 cpuUs()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return qint64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 + usage.ru_utime.tv_usec +
           usage.ru_stime.tv_usec;
}

QList<QUrl> urlsFor(const QString &ports)
{
    QList<QUrl> urls;
    for (const QString &port : ports.split(QLatin1Char(','), Qt::SkipEmptyParts))
        urls.append(QUrl(QStringLiteral("http://127.0.0.1:%1/hook").arg(port)));
    return urls;
}

double percentile(QList<double> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(qMin<qsizetype>(values.size() - 1, qsizetype(p * double(values.size()))));
}

} // namespace

int main(int argc, char *argv[])
{
    // The same event loop as `tidings serve` (app/main.cpp: Qt's own, not GLib's), so the bare sender peer
    // and the sink differ from Tidings in the database only.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("sink, send, seed, load, claims or commits"));
    const QCommandLineOption endpoints(QStringLiteral("endpoints"), QStringLiteral("sink endpoints"),
                                       QStringLiteral("N"), QStringLiteral("10"));
    const QCommandLineOption slow(QStringLiteral("slow"), QStringLiteral("INDEX:MS answers late"),
                                  QStringLiteral("spec"));
    const QCommandLineOption ports(QStringLiteral("ports"), QStringLiteral("sink ports"),
                                   QStringLiteral("list"));
    const QCommandLineOption count(QStringLiteral("count"), QStringLiteral("requests"), QStringLiteral("N"),
                                   QStringLiteral("100000"));
    const QCommandLineOption concurrency(QStringLiteral("concurrency"), QStringLiteral("per endpoint"),
                                         QStringLiteral("N"), QStringLiteral("6"));
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("database"), QStringLiteral("file"));
    const QCommandLineOption pending(QStringLiteral("pending"), QStringLiteral("due deliveries"),
                                     QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption finished(QStringLiteral("finished"), QStringLiteral("history rows"),
                                      QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption dueIn(QStringLiteral("due-in-ms"), QStringLiteral("first due time from now"),
                                   QStringLiteral("MS"), QStringLiteral("0"));
    const QCommandLineOption dueSpread(QStringLiteral("due-spread-ms"), QStringLiteral("due times spread"),
                                       QStringLiteral("MS"), QStringLiteral("0"));
    const QCommandLineOption url(QStringLiteral("url"), QStringLiteral("intake URL"), QStringLiteral("url"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("events/s"), QStringLiteral("R"),
                                  QStringLiteral("100"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("duration"),
                                     QStringLiteral("S"), QStringLiteral("60"));
    const QCommandLineOption token(QStringLiteral("token"), QStringLiteral("intake token"),
                                   QStringLiteral("T"));
    const QCommandLineOption rounds(QStringLiteral("rounds"), QStringLiteral("claims"), QStringLiteral("N"),
                                    QStringLiteral("1000"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("rows per claim"),
                                   QStringLiteral("N"), QStringLiteral("10"));
    parser.addOptions({endpoints, slow, ports, count, concurrency, db, pending, finished, dueIn, dueSpread,
                       url, rate, seconds, token, rounds, batch});
    parser.addHelpOption();
    parser.process(app);
    const QString command = parser.positionalArguments().value(0);

    if (command == QLatin1String("sink")) {
        QList<BenchSink::Endpoint> list(parser.value(endpoints).toInt());
        for (const QString &spec : parser.values(slow)) {
            const int index = spec.section(QLatin1Char(':'), 0, 0).toInt();
            if (index >= 0 && index < list.size())
                list[index].delayMs = spec.section(QLatin1Char(':'), 1, 1).toInt();
        }
        auto *sink = new BenchSink(&app);
        if (!sink->start(list))
            return fail(QStringLiteral("the sink cannot listen"));
        QStringList portList;
        for (quint16 port : sink->ports())
            portList.append(QString::number(port));
        std::printf("ports %s\n", qPrintable(portList.join(QLatin1Char(' '))));
        std::fflush(stdout);
        return app.exec();
    }

    if (command == QLatin1String("send")) {
        QFile file(QStringLiteral(TIDINGS_BENCH_DATA_DIR "/push-manifest.json"));
        file.open(QIODevice::ReadOnly);
        BareSender sender(urlsFor(parser.value(ports)), file.readAll(), parser.value(concurrency).toInt());
        const qint64 n = parser.value(count).toLongLong();
        QElapsedTimer clock;
        const qint64 cpuBefore = cpuUs();
        QObject::connect(&sender, &BareSender::finished, &app, &QCoreApplication::quit);
        clock.start();
        sender.start(n);
        app.exec();
        const double secondsTaken = clock.nsecsElapsed() / 1e9;
        print({{QStringLiteral("count"), n},
               {QStringLiteral("succeeded"), sender.succeeded()},
               {QStringLiteral("failed"), sender.failed()},
               {QStringLiteral("seconds"), secondsTaken},
               {QStringLiteral("rate"), double(sender.succeeded()) / secondsTaken},
               {QStringLiteral("cpu_us_per_delivery"),
                double(cpuUs() - cpuBefore) / double(qMax<qint64>(1, n))}});
        return 0;
    }

    if (command == QLatin1String("seed")) {
        BenchSeeder::Plan plan;
        plan.webhookUrls = urlsFor(parser.value(ports));
        plan.concurrency = parser.value(concurrency).toInt();
        plan.pending = parser.value(pending).toLongLong();
        plan.finished = parser.value(finished).toLongLong();
        if (parser.value(dueIn).toLongLong() > 0) {
            plan.dueFromUs =
                QDateTime::currentMSecsSinceEpoch() * 1000 + parser.value(dueIn).toLongLong() * 1000;
            plan.dueSpreadMs = parser.value(dueSpread).toLongLong();
        }
        QString error;
        if (!BenchSeeder::seed(parser.value(db), plan, &error))
            return fail(error);
        print({{QStringLiteral("due_from_us"), plan.dueFromUs}});
        return 0;
    }

    if (command == QLatin1String("load")) {
        RateLoad load(QUrl(parser.value(url)), parser.value(token).toUtf8());
        QObject::connect(&load, &RateLoad::finished, &app, &QCoreApplication::quit);
        load.start(parser.value(rate).toInt(), parser.value(seconds).toInt());
        app.exec();
        print({{QStringLiteral("sent"), load.sent()},
               {QStringLiteral("accepted"), load.accepted()},
               {QStringLiteral("refused"), load.refused()},
               {QStringLiteral("answer_p50_ms"), percentile(load.answerTimesMs(), 0.50)},
               {QStringLiteral("answer_p99_ms"), percentile(load.answerTimesMs(), 0.99)}});
        return 0;
    }

    if (command == QLatin1String("claims")) {
        ClaimProbe::Result result;
        QString error;
        if (!ClaimProbe::run(parser.value(db), parser.value(rounds).toInt(), parser.value(batch).toInt(),
                             &result, &error))
            return fail(error);
        print({{QStringLiteral("claim_p50_ms"), result.p50Ms},
               {QStringLiteral("claim_p99_ms"), result.p99Ms},
               {QStringLiteral("commit_p99_ms"), result.commitP99Ms},
               {QStringLiteral("claimed"), result.claimed},
               {QStringLiteral("plan"), result.plan},
               {QStringLiteral("uses_due_index"), result.usesDueIndex}});
        return 0;
    }
    if (command == QLatin1String("commits")) {
        CommitLoad::Result result;
        QString error;
        if (!CommitLoad::run(parser.value(db), parser.value(rate).toInt(), parser.value(seconds).toInt(),
                             &result, &error))
            return fail(error);
        print({{QStringLiteral("committed"), result.committed},
               {QStringLiteral("commit_p50_ms"), result.commitP50Ms},
               {QStringLiteral("commit_p99_ms"), result.commitP99Ms}});
        return 0;
    }
    return fail(
        QStringLiteral("unknown command '%1' (sink, send, seed, load, claims, commits)").arg(command));
}
