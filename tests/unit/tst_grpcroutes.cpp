// The gRPC admin API cannot drift from the REST one: every REST admin route has a gRPC method, every method
// of the services in admin.proto has a REST route, and the translation between them keeps the REST names.
#include "AdminApi.h"
#include "GrpcAdminMapping.h"
#include "GrpcRoutes.h"

#include "tidings/v1/admin.pb.h"

#include <google/protobuf/descriptor.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>
#include <QUrlQuery>

namespace {

QByteArray key(const QByteArray &method, const QByteArray &path)
{
    return method + ' ' + path;
}

QJsonObject jsonOf(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

} // namespace

class GrpcRoutesTest : public QObject
{
    Q_OBJECT

private slots:
    void everyRestRouteHasAGrpcMethod();
    void everyGrpcMethodHasARestRoute();
    void requestsBecomeRestRequests();
    void updateMaskSelectsFields();
    void answersReadIntoMessages();
    void errorsMapToStatusCodes();
};

void GrpcRoutesTest::everyRestRouteHasAGrpcMethod()
{
    QSet<QByteArray> grpc;
    for (const GrpcRoute &route : GrpcRoutes::all())
        grpc.insert(key(route.httpMethod, route.path));
    QSet<QByteArray> rest;
    for (const AdminRoute &route : AdminApi::routes()) {
        rest.insert(key(route.method, route.path));
        QVERIFY2(grpc.contains(key(route.method, route.path)),
                 qPrintable(QStringLiteral("REST %1 %2 has no gRPC method in grpcapi/GrpcRoutes.cpp")
                                .arg(QString::fromLatin1(route.method), QString::fromLatin1(route.path))));
    }
    QCOMPARE(grpc, rest);
    QCOMPARE(GrpcRoutes::all().size(), AdminApi::routes().size());
}

void GrpcRoutesTest::everyGrpcMethodHasARestRoute()
{
    const google::protobuf::FileDescriptor *file = tidings::v1::Webhook::descriptor()->file();
    QSet<QByteArray> methods;
    for (int s = 0; s < file->service_count(); ++s) {
        const google::protobuf::ServiceDescriptor *service = file->service(s);
        for (int m = 0; m < service->method_count(); ++m) {
            const google::protobuf::MethodDescriptor *method = service->method(m);
            const GrpcRoute *route = GrpcRoutes::find(service->full_name().c_str(), method->name().c_str());
            QVERIFY2(route, qPrintable(QStringLiteral("%1/%2 has no REST route")
                                           .arg(QString::fromStdString(service->full_name()),
                                                QString::fromStdString(method->name()))));
            methods.insert(QByteArray::fromStdString(service->full_name() + "/" + method->name()));
            // The fields the table names exist on the request.
            const google::protobuf::Descriptor *input = method->input_type();
            if (route->pathField)
                QVERIFY2(input->FindFieldByName(route->pathField), route->method);
            if (route->bodyField)
                QVERIFY2(input->FindFieldByName(route->bodyField), route->method);
            QCOMPARE(bool(route->pathField), route->path.contains('{'));
        }
    }
    QCOMPARE(methods.size(), GrpcRoutes::all().size());
    const QStringList services{QStringLiteral("tidings.v1.Webhooks"), QStringLiteral("tidings.v1.Deliveries"),
                               QStringLiteral("tidings.v1.Events")};
    QCOMPARE(file->service_count(), int(services.size()));
    for (const QString &name : services)
        QVERIFY(file->pool()->FindServiceByName(name.toStdString()));
}

void GrpcRoutesTest::requestsBecomeRestRequests()
{
    QString error;
    // Path placeholder filled (and encoded), the other fields as the query, 64-bit ids as numbers.
    tidings::v1::GetWebhookRequest get;
    get.set_webhook("team hooks/1");
    get.set_reveal_secret(true);
    std::optional<HttpRequest> http =
        GrpcAdminMapping::toHttpRequest(*GrpcRoutes::find("tidings.v1.Webhooks", "GetWebhook"), get, &error);
    QVERIFY2(http, qPrintable(error));
    QCOMPARE(http->method, QByteArrayLiteral("GET"));
    QCOMPARE(http->path, QByteArrayLiteral("/v1/admin/webhooks/team%20hooks%2F1"));
    QCOMPARE(http->query, QByteArrayLiteral("revealSecret=true"));
    QVERIFY(http->body.isEmpty());

    tidings::v1::ListDeliveriesRequest list;
    list.set_status("failed");
    list.set_http_status(503);
    list.set_since("12h");
    list.set_cursor("YjoxMjM");
    http = GrpcAdminMapping::toHttpRequest(*GrpcRoutes::find("tidings.v1.Deliveries", "ListDeliveries"), list,
                                           &error);
    QVERIFY2(http, qPrintable(error));
    const QUrlQuery query(QString::fromLatin1(http->query));
    QCOMPARE(query.queryItemValue(QStringLiteral("status")), QStringLiteral("failed"));
    QCOMPARE(query.queryItemValue(QStringLiteral("httpStatus")), QStringLiteral("503"));
    QCOMPARE(query.queryItemValue(QStringLiteral("since")), QStringLiteral("12h"));
    QCOMPARE(query.queryItemValue(QStringLiteral("cursor")), QStringLiteral("YjoxMjM"));
    QVERIFY(!query.hasQueryItem(QStringLiteral("limit"))); // zero: the server's default

    tidings::v1::ReplayDeliveriesRequest replay;
    replay.add_ids(7);
    replay.add_ids(9000000001);
    http = GrpcAdminMapping::toHttpRequest(*GrpcRoutes::find("tidings.v1.Deliveries", "ReplayDeliveries"),
                                           replay, &error);
    QVERIFY2(http, qPrintable(error));
    QCOMPARE(http->method, QByteArrayLiteral("POST"));
    const QJsonArray ids = jsonOf(http->body).value(QStringLiteral("ids")).toArray();
    QCOMPARE(ids.size(), 2);
    QVERIFY(ids.at(0).isDouble());
    QCOMPARE(ids.at(1).toInteger(), 9000000001LL);

    tidings::v1::RotateSecretRequest rotate;
    rotate.set_webhook("5");
    rotate.set_grace_period_seconds(3600);
    http = GrpcAdminMapping::toHttpRequest(*GrpcRoutes::find("tidings.v1.Webhooks", "RotateSecret"), rotate,
                                           &error);
    QVERIFY2(http, qPrintable(error));
    QCOMPARE(http->path, QByteArrayLiteral("/v1/admin/webhooks/5/rotate-secret"));
    QCOMPARE(jsonOf(http->body), QJsonObject({{QStringLiteral("gracePeriodSeconds"), 3600}}));

    // A path field left empty is refused before it reaches the server.
    tidings::v1::GetDeliveryRequest missing;
    QVERIFY(!GrpcAdminMapping::toHttpRequest(*GrpcRoutes::find("tidings.v1.Deliveries", "GetDelivery"),
                                             missing, &error));
    QVERIFY(error.contains(QStringLiteral("id is required")));
}

void GrpcRoutesTest::updateMaskSelectsFields()
{
    const GrpcRoute &route = *GrpcRoutes::find("tidings.v1.Webhooks", "UpdateWebhook");
    QString error;
    tidings::v1::UpdateWebhookRequest update;
    update.set_webhook("hook");
    update.mutable_settings()->set_timeout_seconds(7);
    update.mutable_settings()->set_enabled(false); // optional: sent although it is the default
    update.mutable_settings()->add_media_types("application/vnd.oci.image.manifest.v1+json");
    std::optional<HttpRequest> http = GrpcAdminMapping::toHttpRequest(route, update, &error);
    QVERIFY2(http, qPrintable(error));
    QCOMPARE(http->method, QByteArrayLiteral("PATCH"));
    QCOMPARE(jsonOf(http->body),
             QJsonObject({{QStringLiteral("timeoutSeconds"), 7},
                          {QStringLiteral("enabled"), false},
                          {QStringLiteral("mediaTypes"),
                           QJsonArray{QStringLiteral("application/vnd.oci.image.manifest.v1+json")}}}));

    update.mutable_update_mask()->add_paths("media_types");
    update.mutable_update_mask()->add_paths("tags");
    http = GrpcAdminMapping::toHttpRequest(route, update, &error);
    QVERIFY2(http, qPrintable(error));
    QCOMPARE(jsonOf(http->body),
             QJsonObject({{QStringLiteral("mediaTypes"),
                           QJsonArray{QStringLiteral("application/vnd.oci.image.manifest.v1+json")}},
                          {QStringLiteral("tags"), QJsonArray()}}));

    update.mutable_update_mask()->add_paths("colour");
    QVERIFY(!GrpcAdminMapping::toHttpRequest(route, update, &error));
    QVERIFY2(error.contains(QStringLiteral("colour")), qPrintable(error));
}

void GrpcRoutesTest::answersReadIntoMessages()
{
    // The REST shapes: header pairs, nulls, fields this build does not know, the registry's JSON as a Struct.
    const QByteArray webhookJson =
        "{\"id\":12,\"name\":\"ci\",\"headers\":[[\"X-Team\",\"blue\"]],\"retrySchedule\":[1,5],"
        "\"enabled\":true,\"previousSecretExpiresAt\":\"2026-01-01T00:00:00.000Z\",\"somethingNew\":1}";
    tidings::v1::Webhook webhook;
    QString error;
    QVERIFY2(GrpcAdminMapping::readAnswer(webhookJson, &webhook, &error), qPrintable(error));
    QCOMPARE(webhook.id(), qint64(12));
    QCOMPARE(QString::fromStdString(webhook.headers(0).name()), QStringLiteral("X-Team"));
    QCOMPARE(QString::fromStdString(webhook.headers(0).value()), QStringLiteral("blue"));
    QCOMPARE(webhook.retry_schedule_size(), 2);
    QCOMPARE(QString::fromStdString(webhook.previous_secret_expires_at()),
             QStringLiteral("2026-01-01T00:00:00.000Z"));

    const QByteArray deliveryJson =
        "{\"id\":3,\"nextAttemptAt\":null,\"attemptLog\":[{\"number\":1,\"requestHeaders\":[[\"A\",\"b\"]],"
        "\"responseHeaders\":[]}],\"event\":{\"action\":\"push\",\"headers\":[[\"kept\",\"as is\"]],"
        "\"target\":{\"size\":null}}}";
    tidings::v1::Delivery delivery;
    QVERIFY2(GrpcAdminMapping::readAnswer(deliveryJson, &delivery, &error), qPrintable(error));
    QCOMPARE(QString::fromStdString(delivery.attempt_log(0).request_headers(0).name()), QStringLiteral("A"));
    QCOMPARE(QString::fromStdString(delivery.event().fields().at("action").string_value()),
             QStringLiteral("push"));
    QCOMPARE(delivery.event().fields().at("headers").list_value().values(0).list_value().values_size(), 2);

    tidings::v1::ListDeliveriesResponse page;
    QVERIFY2(GrpcAdminMapping::readAnswer("{\"items\":[],\"nextCursor\":null}", &page, &error),
             qPrintable(error));
    QVERIFY(page.next_cursor().empty());
    QVERIFY(!GrpcAdminMapping::readAnswer("[1,2]", &page, &error));
    QVERIFY(!GrpcAdminMapping::readAnswer("{\"items\":\"not a list\"}", &page, &error));
}

void GrpcRoutesTest::errorsMapToStatusCodes()
{
    QCOMPARE(GrpcAdminMapping::statusCode(400, "invalid_request"), grpc::StatusCode::INVALID_ARGUMENT);
    QCOMPARE(GrpcAdminMapping::statusCode(401, "unauthorized"), grpc::StatusCode::UNAUTHENTICATED);
    QCOMPARE(GrpcAdminMapping::statusCode(404, "not_found"), grpc::StatusCode::NOT_FOUND);
    QCOMPARE(GrpcAdminMapping::statusCode(409, "in_flight"), grpc::StatusCode::FAILED_PRECONDITION);
    QCOMPARE(GrpcAdminMapping::statusCode(409, "already_exists"), grpc::StatusCode::ALREADY_EXISTS);
    QCOMPARE(GrpcAdminMapping::statusCode(503, "storage_unavailable"), grpc::StatusCode::UNAVAILABLE);
    QCOMPARE(GrpcAdminMapping::statusCode(500, "internal"), grpc::StatusCode::INTERNAL);

    const HttpResponse answer =
        HttpResponse::error(409, "in_flight", QStringLiteral("delivery 4 is being sent"));
    QByteArray code;
    const grpc::Status status = GrpcAdminMapping::statusOf(answer, &code);
    QCOMPARE(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    QCOMPARE(QString::fromStdString(status.error_message()), QStringLiteral("delivery 4 is being sent"));
    QCOMPARE(code, QByteArrayLiteral("in_flight"));
}

QTEST_GUILESS_MAIN(GrpcRoutesTest)
#include "tst_grpcroutes.moc"
