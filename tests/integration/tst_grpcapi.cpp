// The gRPC admin API with a real gRPC C++ client against a real `tidings serve --grpc-listen`, over loopback:
// auth, every webhook operation, deliveries to real HTTP sinks, replay, recovery jobs, events, error codes
// with the REST API's messages, cursor pagination, calls from several threads, and a clean SIGTERM.
#include "EventFactory.h"
#include "HttpSink.h"
#include "IntakeClient.h"
#include "TidingsProcess.h"

#include "tidings/v1/admin.grpc.pb.h"

#include <grpcpp/grpcpp.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

namespace {

const QString kAdminToken = QStringLiteral("admin-token-for-grpc-tests");
const QString kIntakeToken = QStringLiteral("intake-token-for-grpc-tests");

namespace v1 = tidings::v1;

// A context for one call: the admin token as metadata unless told otherwise, and a deadline well above what
// a loaded machine needs.
std::unique_ptr<grpc::ClientContext> callContext(const QString &token = kAdminToken)
{
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.isNull())
        context->AddMetadata("authorization", "Bearer " + token.toStdString());
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return context;
}

QString text(const std::string &value)
{
    return QString::fromStdString(value);
}

QString describe(const grpc::Status &status)
{
    return QStringLiteral("gRPC status %1: %2")
        .arg(int(status.error_code()))
        .arg(QString::fromStdString(status.error_message()));
}

QByteArray trailer(const grpc::ClientContext &context, const char *key)
{
    const auto &trailers = context.GetServerTrailingMetadata();
    const auto found = trailers.find(key);
    return found == trailers.end() ? QByteArray()
                                   : QByteArray(found->second.data(), qsizetype(found->second.size()));
}

// The REST admin API's error message for the same request, to hold the two APIs to the same text.
QString restErrorMessage(const QUrl &intakeUrl, const QByteArray &method, const QString &path,
                         const QByteArray &body = {})
{
    IntakeClient client(intakeUrl, kAdminToken.toUtf8());
    QUrl url = intakeUrl;
    url.setPath(path);
    const IntakeClient::Answer answer =
        client.send(method, url, body, body.isEmpty() ? QByteArray() : QByteArrayLiteral("application/json"));
    return answer.json()
        .value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("message"))
        .toString();
}

} // namespace

class GrpcApiTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void refusesCallsWithoutTheAdminToken();
    void managesWebhooks();
    void mapsErrorsWithTheRestMessages();
    void deliversReplaysAndRecovers();
    void pagesByCursor();
    void answersCallsFromManyThreads();
    void isOffWithoutAnAdminToken();
    void refusesABadAddress();
    void stopsCleanlyOnSigterm();

private:
    v1::Webhook createWebhook(const QString &name, const QUrl &url, const QStringList &repositories,
                              int maxAttempts);
    QList<v1::Delivery> deliveriesOf(const QString &webhook, const QString &status = {});
    bool postEvent(const QString &repository, const QString &tag);

    QTemporaryDir m_dir;
    std::unique_ptr<TidingsProcess> m_server;
    QString m_grpcAddress;
    std::shared_ptr<grpc::Channel> m_channel;
    std::unique_ptr<v1::Webhooks::Stub> m_webhooks;
    std::unique_ptr<v1::Deliveries::Stub> m_deliveries;
    std::unique_ptr<v1::Events::Stub> m_events;
    HttpSink m_goodSink;
    HttpSink m_badSink;
    int m_eventsPosted = 0;
};

void GrpcApiTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(m_goodSink.start());
    QVERIFY(m_badSink.start());
    m_server = std::make_unique<TidingsProcess>(m_dir.filePath(QStringLiteral("grpc.db")));
    QString error;
    QVERIFY2(
        m_server->startServe({QStringLiteral("--admin-token"), kAdminToken, QStringLiteral("--intake-token"),
                              kIntakeToken, QStringLiteral("--grpc-listen"), QStringLiteral("127.0.0.1:0")},
                             &error),
        qPrintable(error));
    // The banner names the port gRPC chose.
    static const QRegularExpression line(QStringLiteral("gRPC admin API: (127\\.0\\.0\\.1:\\d+)"));
    QRegularExpressionMatch match;
    QTRY_VERIFY_WITH_TIMEOUT((match = line.match(QString::fromUtf8(m_server->serveStdout()))).hasMatch(),
                             10000);
    m_grpcAddress = match.captured(1);
    m_channel = grpc::CreateChannel(m_grpcAddress.toStdString(), grpc::InsecureChannelCredentials());
    m_webhooks = v1::Webhooks::NewStub(m_channel);
    m_deliveries = v1::Deliveries::NewStub(m_channel);
    m_events = v1::Events::NewStub(m_channel);
}

void GrpcApiTest::cleanupTestCase()
{
    if (m_server && m_server->isServing())
        m_server->stop();
}

v1::Webhook GrpcApiTest::createWebhook(const QString &name, const QUrl &url, const QStringList &repositories,
                                       int maxAttempts)
{
    v1::CreateWebhookRequest request;
    request.mutable_webhook()->set_name(name.toStdString());
    request.mutable_webhook()->set_url(url.toString().toStdString());
    for (const QString &repository : repositories)
        request.mutable_webhook()->add_repositories(repository.toStdString());
    request.mutable_webhook()->set_max_attempts(maxAttempts);
    v1::Webhook webhook;
    const grpc::Status status = m_webhooks->CreateWebhook(callContext().get(), request, &webhook);
    if (!status.ok())
        qWarning().noquote() << "CreateWebhook" << name << describe(status);
    return webhook;
}

QList<v1::Delivery> GrpcApiTest::deliveriesOf(const QString &webhook, const QString &status)
{
    v1::ListDeliveriesRequest request;
    request.set_webhook(webhook.toStdString());
    request.set_status(status.toStdString());
    request.set_limit(1000);
    v1::ListDeliveriesResponse response;
    const grpc::Status answer = m_deliveries->ListDeliveries(callContext().get(), request, &response);
    if (!answer.ok())
        qWarning().noquote() << "ListDeliveries" << describe(answer);
    return QList<v1::Delivery>(response.items().begin(), response.items().end());
}

bool GrpcApiTest::postEvent(const QString &repository, const QString &tag)
{
    IntakeClient intake(m_server->intakeUrl(), kIntakeToken.toUtf8());
    EventFactory::Spec spec;
    spec.repository = repository;
    spec.tag = tag;
    const bool accepted = intake.post(EventFactory::envelopeOf(spec)).status == 202;
    m_eventsPosted += accepted ? 1 : 0;
    return accepted;
}

void GrpcApiTest::refusesCallsWithoutTheAdminToken()
{
    v1::ListWebhooksResponse response;
    for (const QString &token : {QString(), QStringLiteral("wrong"), kIntakeToken}) {
        auto context = callContext(token);
        const grpc::Status status = m_webhooks->ListWebhooks(context.get(), {}, &response);
        QCOMPARE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
        QVERIFY2(QString::fromStdString(status.error_message()).contains(QStringLiteral("admin token")),
                 qPrintable(describe(status)));
        QCOMPARE(trailer(*context, "tidings-error-code"), QByteArrayLiteral("unauthorized"));
    }
    const grpc::Status status = m_webhooks->ListWebhooks(callContext().get(), {}, &response);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
}

void GrpcApiTest::managesWebhooks()
{
    v1::CreateWebhookRequest create;
    v1::WebhookSettings *settings = create.mutable_webhook();
    settings->set_name("lifecycle");
    settings->set_url(m_goodSink.url(QStringLiteral("/lifecycle")).toString().toStdString());
    settings->set_generate_secret(true);
    settings->add_actions("push");
    settings->add_headers("X-Team: blue");
    settings->set_max_attempts(3);
    v1::Webhook created;
    grpc::Status status = m_webhooks->CreateWebhook(callContext().get(), create, &created);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QVERIFY(created.id() > 0);
    QCOMPARE(text(created.name()), QStringLiteral("lifecycle"));
    QVERIFY2(QString::fromStdString(created.secret()).startsWith(QStringLiteral("whsec_")) &&
                 created.secret() != "whsec_********",
             created.secret().c_str());
    QCOMPARE(created.actions_size(), 1);
    QCOMPARE(text(created.actions(0)), QStringLiteral("push"));
    QCOMPARE(created.headers_size(), 1);
    QCOMPARE(text(created.headers(0).name()), QStringLiteral("X-Team"));
    QCOMPARE(text(created.headers(0).value()), QStringLiteral("blue"));
    QCOMPARE(created.max_attempts(), 3);
    QCOMPARE(text(created.format()), QStringLiteral("registry"));
    QVERIFY(created.enabled());
    QVERIFY(created.retry_schedule_size() > 0);

    // By name, secret hidden; revealed on request.
    v1::GetWebhookRequest get;
    get.set_webhook("lifecycle");
    v1::Webhook fetched;
    status = m_webhooks->GetWebhook(callContext().get(), get, &fetched);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(fetched.id(), created.id());
    QCOMPARE(text(fetched.secret()), QStringLiteral("whsec_********"));
    get.set_webhook(std::to_string(created.id()));
    get.set_reveal_secret(true);
    status = m_webhooks->GetWebhook(callContext().get(), get, &fetched);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(text(fetched.secret()), text(created.secret()));

    // Without a mask, what is set changes and the rest stays.
    v1::UpdateWebhookRequest update;
    update.set_webhook("lifecycle");
    update.mutable_settings()->set_timeout_seconds(7);
    update.mutable_settings()->add_tags("1.*");
    v1::Webhook updated;
    status = m_webhooks->UpdateWebhook(callContext().get(), update, &updated);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(updated.timeout_seconds(), 7);
    QCOMPARE(updated.tags_size(), 1);
    QCOMPARE(text(updated.tags(0)), QStringLiteral("1.*"));
    QCOMPARE(updated.actions_size(), 1);
    QCOMPARE(updated.max_attempts(), 3);

    // With a mask, only the named fields change, and a named empty list is cleared.
    update.Clear();
    update.set_webhook("lifecycle");
    update.mutable_settings()->set_timeout_seconds(9); // not in the mask: ignored
    update.mutable_update_mask()->add_paths("tags");
    status = m_webhooks->UpdateWebhook(callContext().get(), update, &updated);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(updated.tags_size(), 0);
    QCOMPARE(updated.timeout_seconds(), 7);
    update.mutable_update_mask()->add_paths("no_such_field");
    status = m_webhooks->UpdateWebhook(callContext().get(), update, &updated);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

    v1::DisableWebhookRequest disable;
    disable.set_webhook("lifecycle");
    disable.set_reason("maintenance window");
    v1::Webhook disabled;
    status = m_webhooks->DisableWebhook(callContext().get(), disable, &disabled);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QVERIFY(!disabled.enabled());
    QCOMPARE(text(disabled.disabled_reason()), QStringLiteral("maintenance window"));
    v1::EnableWebhookRequest enable;
    enable.set_webhook("lifecycle");
    v1::Webhook enabled;
    status = m_webhooks->EnableWebhook(callContext().get(), enable, &enabled);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QVERIFY(enabled.enabled());

    v1::RotateSecretRequest rotate;
    rotate.set_webhook("lifecycle");
    v1::Webhook rotated;
    status = m_webhooks->RotateSecret(callContext().get(), rotate, &rotated);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QVERIFY(QString::fromStdString(rotated.secret()).startsWith(QStringLiteral("whsec_")));
    QVERIFY(rotated.secret() != created.secret());
    QVERIFY(rotated.secret() != "whsec_********");

    v1::ListWebhooksResponse list;
    status = m_webhooks->ListWebhooks(callContext().get(), {}, &list);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    bool listed = false;
    for (const v1::Webhook &webhook : list.items())
        listed = listed || webhook.id() == created.id();
    QVERIFY(listed);

    v1::DeleteWebhookRequest remove;
    remove.set_webhook("lifecycle");
    google::protobuf::Empty empty;
    status = m_webhooks->DeleteWebhook(callContext().get(), remove, &empty);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    get.set_webhook("lifecycle");
    status = m_webhooks->GetWebhook(callContext().get(), get, &fetched);
    QCOMPARE(status.error_code(), grpc::StatusCode::NOT_FOUND);
}

void GrpcApiTest::mapsErrorsWithTheRestMessages()
{
    // A bad URL: INVALID_ARGUMENT with the REST message, word for word.
    v1::CreateWebhookRequest create;
    create.mutable_webhook()->set_name("broken");
    create.mutable_webhook()->set_url("not a url");
    v1::Webhook webhook;
    auto context = callContext();
    grpc::Status status = m_webhooks->CreateWebhook(context.get(), create, &webhook);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QCOMPARE(trailer(*context, "tidings-error-code"), QByteArrayLiteral("invalid_request"));
    const QString restBadUrl =
        restErrorMessage(m_server->intakeUrl(), "POST", QStringLiteral("/v1/admin/webhooks"),
                         QJsonDocument(QJsonObject{{QStringLiteral("name"), QStringLiteral("broken")},
                                                   {QStringLiteral("url"), QStringLiteral("not a url")}})
                             .toJson(QJsonDocument::Compact));
    QVERIFY(!restBadUrl.isEmpty());
    QCOMPARE(QString::fromStdString(status.error_message()), restBadUrl);

    // Unknown ids: NOT_FOUND, same text as REST.
    v1::GetWebhookRequest get;
    get.set_webhook("nobody");
    status = m_webhooks->GetWebhook(callContext().get(), get, &webhook);
    QCOMPARE(status.error_code(), grpc::StatusCode::NOT_FOUND);
    QCOMPARE(QString::fromStdString(status.error_message()),
             restErrorMessage(m_server->intakeUrl(), "GET", QStringLiteral("/v1/admin/webhooks/nobody")));
    v1::GetDeliveryRequest delivery;
    delivery.set_id(987654);
    v1::Delivery found;
    status = m_deliveries->GetDelivery(callContext().get(), delivery, &found);
    QCOMPARE(status.error_code(), grpc::StatusCode::NOT_FOUND);
    QCOMPARE(QString::fromStdString(status.error_message()), QStringLiteral("no delivery 987654"));
    v1::GetEventRequest event;
    event.set_id(987654);
    v1::Event foundEvent;
    status = m_events->GetEvent(callContext().get(), event, &foundEvent);
    QCOMPARE(status.error_code(), grpc::StatusCode::NOT_FOUND);
    v1::GetRecoveryRequest recovery;
    recovery.set_id(987654);
    v1::RecoveryJob job;
    status = m_deliveries->GetRecovery(callContext().get(), recovery, &job);
    QCOMPARE(status.error_code(), grpc::StatusCode::NOT_FOUND);

    // A required id left out, a filter the REST API refuses, a replay without any filter.
    delivery.set_id(0);
    status = m_deliveries->GetDelivery(callContext().get(), delivery, &found);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(QString::fromStdString(status.error_message()).contains(QStringLiteral("id is required")),
             qPrintable(describe(status)));
    v1::ListDeliveriesRequest list;
    list.set_status("bogus");
    v1::ListDeliveriesResponse page;
    status = m_deliveries->ListDeliveries(callContext().get(), list, &page);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    QVERIFY2(QString::fromStdString(status.error_message()).contains(QStringLiteral("bogus")),
             qPrintable(describe(status)));
    v1::ReplayDeliveriesResponse replayed;
    status = m_deliveries->ReplayDeliveries(callContext().get(), {}, &replayed);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

void GrpcApiTest::deliversReplaysAndRecovers()
{
    // Two subscribers over real HTTP: one answers 200, the other 500 until told otherwise.
    HttpSink::Behaviour failing;
    failing.status = 500;
    m_badSink.setBehaviour(failing);
    const v1::Webhook good = createWebhook(QStringLiteral("good"), m_goodSink.url(QStringLiteral("/good")),
                                           {QStringLiteral("team/good")}, 3);
    const v1::Webhook bad = createWebhook(QStringLiteral("bad"), m_badSink.url(QStringLiteral("/bad")),
                                          {QStringLiteral("team/bad")}, 1);
    QVERIFY(good.id() > 0 && bad.id() > 0);

    QVERIFY(postEvent(QStringLiteral("team/good"), QStringLiteral("1.0")));
    QTRY_COMPARE_WITH_TIMEOUT(m_goodSink.count(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(deliveriesOf(QStringLiteral("good"), QStringLiteral("succeeded")).size(), 1,
                              10000);
    const v1::Delivery delivered = deliveriesOf(QStringLiteral("good")).constFirst();
    QCOMPARE(text(delivered.webhook()), QStringLiteral("good"));
    QCOMPARE(delivered.webhook_id(), good.id());
    QCOMPARE(text(delivered.repository()), QStringLiteral("team/good"));
    QCOMPARE(delivered.last_status(), 200);

    // Shown with its attempts and the registry's event.
    v1::GetDeliveryRequest get;
    get.set_id(delivered.id());
    v1::Delivery detail;
    grpc::Status status = m_deliveries->GetDelivery(callContext().get(), get, &detail);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(detail.attempt_log_size(), 1);
    QCOMPARE(detail.attempt_log(0).response_status(), 200);
    QVERIFY(detail.attempt_log(0).request_headers_size() > 0);
    QVERIFY(!detail.event_id().empty());
    QCOMPARE(text(detail.event().fields().at("action").string_value()), QStringLiteral("push"));

    // Three failures, each after its one attempt.
    for (int i = 0; i < 3; ++i)
        QVERIFY(postEvent(QStringLiteral("team/bad"), QStringLiteral("v%1").arg(i)));
    QTRY_COMPARE_WITH_TIMEOUT(deliveriesOf(QStringLiteral("bad"), QStringLiteral("failed")).size(), 3, 15000);
    QList<v1::Delivery> failed = deliveriesOf(QStringLiteral("bad"), QStringLiteral("failed"));
    QCOMPARE(failed.constFirst().last_status(), 500);

    // Replay one once the subscriber is back.
    m_badSink.setBehaviour(HttpSink::Behaviour());
    v1::ReplayDeliveryRequest replay;
    replay.set_id(failed.at(0).id());
    v1::Delivery queued;
    status = m_deliveries->ReplayDelivery(callContext().get(), replay, &queued);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(queued.id(), failed.at(0).id());
    get.set_id(failed.at(0).id());
    QTRY_VERIFY_WITH_TIMEOUT(m_deliveries->GetDelivery(callContext().get(), get, &detail).ok() &&
                                 detail.state() == "succeeded",
                             10000);
    QCOMPARE(detail.attempt_log_size(), 2);
    QCOMPARE(detail.attempt_log(0).response_status(), 500);
    QCOMPARE(detail.attempt_log(1).response_status(), 200);
    QVERIFY(detail.attempt_log(1).manual());

    // Replay many by id.
    v1::ReplayDeliveriesRequest many;
    many.add_ids(failed.at(1).id());
    v1::ReplayDeliveriesResponse replayed;
    status = m_deliveries->ReplayDeliveries(callContext().get(), many, &replayed);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(replayed.matched(), 1);
    QCOMPARE(replayed.replayed(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(deliveriesOf(QStringLiteral("bad"), QStringLiteral("failed")).size(), 1, 10000);

    // A recovery job takes the last one, then has nothing left to cancel.
    v1::CreateRecoveryRequest recover;
    recover.set_webhook("bad");
    recover.set_since("1h");
    v1::RecoveryJob job;
    status = m_deliveries->CreateRecovery(callContext().get(), recover, &job);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QVERIFY(job.id() > 0);
    QCOMPARE(job.total(), 1);
    QCOMPARE(text(job.webhook()), QStringLiteral("bad"));
    v1::GetRecoveryRequest getJob;
    getJob.set_id(job.id());
    QTRY_VERIFY_WITH_TIMEOUT(m_deliveries->GetRecovery(callContext().get(), getJob, &job).ok() &&
                                 job.state() == "succeeded",
                             10000);
    QCOMPARE(job.replayed(), 1);
    v1::ListRecoveriesResponse jobs;
    status = m_deliveries->ListRecoveries(callContext().get(), {}, &jobs);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QVERIFY(jobs.items_size() >= 1);
    QCOMPARE(jobs.items(0).id(), job.id());
    v1::CancelRecoveryRequest cancel;
    cancel.set_id(job.id());
    auto cancelContext = callContext();
    status = m_deliveries->CancelRecovery(cancelContext.get(), cancel, &job);
    QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QCOMPARE(trailer(*cancelContext, "tidings-error-code"), QByteArrayLiteral("job_finished"));
    QTRY_COMPARE_WITH_TIMEOUT(deliveriesOf(QStringLiteral("bad"), QStringLiteral("succeeded")).size(), 3,
                              10000);

    // Replay many by filter: all three again.
    const int before = m_badSink.count();
    many.Clear();
    many.set_webhook("bad");
    many.set_status("succeeded");
    status = m_deliveries->ReplayDeliveries(callContext().get(), many, &replayed);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(replayed.matched(), 3);
    QCOMPARE(replayed.replayed(), 3);
    QVERIFY(replayed.next_cursor().empty());
    QTRY_COMPARE_WITH_TIMEOUT(m_badSink.count(), before + 3, 10000);

    // Events: listed, and shown with their deliveries.
    v1::ListEventsRequest events;
    events.set_text("team/bad");
    v1::ListEventsResponse eventPage;
    status = m_events->ListEvents(callContext().get(), events, &eventPage);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(eventPage.items_size(), 3);
    QCOMPARE(text(eventPage.items(0).repository()), QStringLiteral("team/bad"));
    QCOMPARE(text(eventPage.items(0).payload().fields().at("action").string_value()), QStringLiteral("push"));
    v1::GetEventRequest getEvent;
    getEvent.set_id(eventPage.items(0).id());
    v1::Event event;
    status = m_events->GetEvent(callContext().get(), getEvent, &event);
    QVERIFY2(status.ok(), qPrintable(describe(status)));
    QCOMPARE(event.deliveries_size(), 1);
    QCOMPARE(text(event.deliveries(0).webhook()), QStringLiteral("bad"));
}

void GrpcApiTest::pagesByCursor()
{
    for (int i = 0; i < 5; ++i)
        QVERIFY(postEvent(QStringLiteral("team/good"), QStringLiteral("page-%1").arg(i)));
    QTRY_COMPARE_WITH_TIMEOUT(deliveriesOf(QStringLiteral("good"), QStringLiteral("succeeded")).size(), 6,
                              15000);

    // Two at a time, following next_cursor until it is empty: every delivery once, newest first.
    v1::ListDeliveriesRequest request;
    request.set_webhook("good");
    request.set_limit(2);
    QList<qint64> seen;
    int pages = 0;
    for (;;) {
        v1::ListDeliveriesResponse page;
        const grpc::Status status = m_deliveries->ListDeliveries(callContext().get(), request, &page);
        QVERIFY2(status.ok(), qPrintable(describe(status)));
        ++pages;
        QVERIFY(page.items_size() <= 2);
        for (const v1::Delivery &delivery : page.items())
            seen.append(delivery.id());
        if (page.next_cursor().empty())
            break;
        request.set_cursor(page.next_cursor());
        QVERIFY(pages < 10);
    }
    QCOMPARE(seen.size(), 6);
    QCOMPARE(pages, 3);
    QCOMPARE(QSet<qint64>(seen.begin(), seen.end()).size(), 6);
    for (int i = 1; i < seen.size(); ++i)
        QVERIFY(seen.at(i) < seen.at(i - 1));

    // Events page the same way.
    v1::ListEventsRequest events;
    events.set_limit(3);
    int eventCount = 0;
    for (int guard = 0; guard < 20; ++guard) {
        v1::ListEventsResponse page;
        const grpc::Status status = m_events->ListEvents(callContext().get(), events, &page);
        QVERIFY2(status.ok(), qPrintable(describe(status)));
        eventCount += page.items_size();
        if (page.next_cursor().empty())
            break;
        events.set_cursor(page.next_cursor());
    }
    QCOMPARE(eventCount, m_eventsPosted);

    // A cursor the server never gave out.
    request.set_cursor("not-a-cursor");
    v1::ListDeliveriesResponse page;
    const grpc::Status status = m_deliveries->ListDeliveries(callContext().get(), request, &page);
    QCOMPARE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

void GrpcApiTest::answersCallsFromManyThreads()
{
    // gRPC takes calls on its own threads and queues each to the engine thread; several clients at once all
    // get their answers.
    std::atomic<int> ok{0};
    std::atomic<int> wrong{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([this, &ok, &wrong] {
            for (int i = 0; i < 25; ++i) {
                v1::GetWebhookRequest request;
                request.set_webhook("good");
                v1::Webhook webhook;
                const grpc::Status status = m_webhooks->GetWebhook(callContext().get(), request, &webhook);
                (status.ok() && webhook.name() == "good" ? ok : wrong)++;
            }
        });
    }
    for (std::thread &client : clients)
        client.join();
    QCOMPARE(wrong.load(), 0);
    QCOMPARE(ok.load(), 100);
}

void GrpcApiTest::isOffWithoutAnAdminToken()
{
    // Asked for through the environment, but without an admin token: off, and the banner says why.
    TidingsProcess off(m_dir.filePath(QStringLiteral("off.db")));
    QProcessEnvironment environment = off.environment();
    environment.insert(QStringLiteral("TIDINGS_GRPC_LISTEN"), QStringLiteral("127.0.0.1:0"));
    off.setEnvironment(environment);
    QString error;
    QVERIFY2(off.startServe({}, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(off.serveStdout().contains("gRPC admin API: off"), 10000);
    QVERIFY2(off.serveStdout().contains("--admin-token"), off.serveStdout().constData());
    QVERIFY(off.stop());

    // The same variable with a token: on.
    TidingsProcess on(m_dir.filePath(QStringLiteral("on.db")));
    environment.insert(QStringLiteral("TIDINGS_ADMIN_TOKEN"), kAdminToken);
    on.setEnvironment(environment);
    QVERIFY2(on.startServe({}, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(on.serveStdout().contains("gRPC admin API: 127.0.0.1:"), 10000);
    QVERIFY(on.stop());
}

void GrpcApiTest::refusesABadAddress()
{
    TidingsProcess cli(m_dir.filePath(QStringLiteral("bad.db")));
    const CliResult result =
        cli.runCli({QStringLiteral("serve"), QStringLiteral("--admin-token"), kAdminToken,
                    QStringLiteral("--grpc-listen"), QStringLiteral("no-port-here")});
    QCOMPARE(result.exitCode, 2);
    QVERIFY2(result.err.contains("--grpc-listen") && result.err.contains("HOST:PORT"),
             qPrintable(result.describe()));

    // A port that is taken: serve stops with the reason instead of running without its gRPC API.
    const QString taken = m_grpcAddress;
    const CliResult busy =
        cli.runCli({QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                    QStringLiteral("--admin-token"), kAdminToken, QStringLiteral("--grpc-listen"), taken});
    QCOMPARE(busy.exitCode, 1);
    QVERIFY2(busy.err.contains("gRPC admin API cannot listen"), qPrintable(busy.describe()));
}

void GrpcApiTest::stopsCleanlyOnSigterm()
{
    QVERIFY(m_server->stop());
    QCOMPARE(m_server->serveExitCode(), 0);
    QVERIFY2(m_server->serveStderr().contains("gRPC admin API stopped"), m_server->serveStderr().constData());
    v1::ListWebhooksResponse response;
    auto context = callContext();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
    const grpc::Status status = m_webhooks->ListWebhooks(context.get(), {}, &response);
    QCOMPARE(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

QTEST_GUILESS_MAIN(GrpcApiTest)
#include "tst_grpcapi.moc"
