#include "GrpcAdminMapping.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>
#include <QUrlQuery>

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

QString fromStd(const std::string &text)
{
    return QString::fromStdString(text);
}

// protobuf writes 64-bit integers as JSON strings; the REST API reads ids as numbers.
void int64AsNumbers(const Descriptor *descriptor, QJsonObject *object)
{
    for (int i = 0; i < descriptor->field_count(); ++i) {
        const FieldDescriptor *field = descriptor->field(i);
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_INT64)
            continue;
        const QString name = fromStd(field->json_name());
        const QJsonValue value = object->value(name);
        if (value.isString()) {
            object->insert(name, double(value.toString().toLongLong()));
        } else if (value.isArray()) {
            QJsonArray numbers;
            for (const QJsonValue &item : value.toArray())
                numbers.append(item.isString() ? QJsonValue(double(item.toString().toLongLong())) : item);
            object->insert(name, numbers);
        }
    }
}

QString queryText(const QJsonValue &value)
{
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isDouble())
        return QString::number(value.toInteger());
    return value.toString();
}

// The REST answers' shapes protobuf cannot read as they are: header lists are [name, value] pairs (read
// into Header messages) and absent values are null. The registry's own JSON (event, payload) is a Struct
// and stays as it is.
QJsonValue adaptAnswer(const QJsonValue &value)
{
    static const QStringList headerKeys{QStringLiteral("headers"), QStringLiteral("requestHeaders"),
                                        QStringLiteral("responseHeaders")};
    static const QStringList verbatimKeys{QStringLiteral("event"), QStringLiteral("payload")};
    if (value.isArray()) {
        QJsonArray items;
        for (const QJsonValue &item : value.toArray())
            items.append(adaptAnswer(item));
        return items;
    }
    if (!value.isObject())
        return value;
    QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end();) {
        if (it.value().isNull()) {
            it = object.erase(it);
            continue;
        }
        if (verbatimKeys.contains(it.key())) {
            ++it;
            continue;
        }
        if (headerKeys.contains(it.key()) && it.value().isArray()) {
            QJsonArray headers;
            for (const QJsonValue &pair : it.value().toArray()) {
                const QJsonArray nameValue = pair.toArray();
                headers.append(QJsonObject{{QStringLiteral("name"), nameValue.at(0).toString()},
                                           {QStringLiteral("value"), nameValue.at(1).toString()}});
            }
            it.value() = headers;
        } else {
            it.value() = adaptAnswer(it.value());
        }
        ++it;
    }
    return object;
}

} // namespace

std::optional<HttpRequest> GrpcAdminMapping::toHttpRequest(const GrpcRoute &route,
                                                           const google::protobuf::Message &request,
                                                           QString *error)
{
    std::string json;
    google::protobuf::util::JsonPrintOptions printOptions;
    const auto printed = google::protobuf::util::MessageToJsonString(request, &json, printOptions);
    if (!printed.ok()) {
        *error = QStringLiteral("cannot read the request: %1").arg(fromStd(printed.message().ToString()));
        return std::nullopt;
    }
    const Descriptor *descriptor = request.GetDescriptor();
    QJsonObject fields = QJsonDocument::fromJson(QByteArray::fromStdString(json)).object();
    int64AsNumbers(descriptor, &fields);

    HttpRequest http;
    http.method = route.httpMethod;
    http.path = route.path;
    if (route.pathField) {
        const FieldDescriptor *field = descriptor->FindFieldByName(route.pathField);
        const QString value = field ? queryText(fields.take(fromStd(field->json_name()))) : QString();
        if (value.isEmpty()) {
            *error = QStringLiteral("%1 is required").arg(QLatin1String(route.pathField));
            return std::nullopt;
        }
        const qsizetype open = http.path.indexOf('{');
        const qsizetype close = http.path.indexOf('}', open);
        http.path.replace(open, close - open + 1, QUrl::toPercentEncoding(value));
    }

    if (http.method == "GET" || http.method == "DELETE") {
        QUrlQuery query;
        for (auto it = fields.constBegin(); it != fields.constEnd(); ++it)
            query.addQueryItem(it.key(), QString::fromLatin1(QUrl::toPercentEncoding(queryText(it.value()))));
        http.query = query.query(QUrl::FullyEncoded).toLatin1();
    } else {
        QJsonObject body = fields;
        if (route.bodyField) {
            const FieldDescriptor *field = descriptor->FindFieldByName(route.bodyField);
            const Descriptor *bodyDescriptor = field ? field->message_type() : nullptr;
            if (!bodyDescriptor) {
                *error = QStringLiteral("the server's route for %1 names no message field %2")
                             .arg(QLatin1String(route.method), QLatin1String(route.bodyField));
                return std::nullopt;
            }
            body = fields.value(fromStd(field->json_name())).toObject();
            int64AsNumbers(bodyDescriptor, &body);
            // An update mask (FieldMask's JSON: lowerCamelCase paths joined by commas) keeps only the named
            // fields, and a named list that is empty is sent as [] so it is cleared.
            const QString mask = fields.value(QStringLiteral("updateMask")).toString();
            if (!mask.isEmpty()) {
                QJsonObject masked;
                for (const QString &path : mask.split(QLatin1Char(','))) {
                    const FieldDescriptor *maskedField =
                        bodyDescriptor->FindFieldByCamelcaseName(path.toStdString());
                    if (!maskedField) {
                        *error = QStringLiteral("update_mask names \"%1\", which is not a field of %2")
                                     .arg(path, fromStd(bodyDescriptor->name()));
                        return std::nullopt;
                    }
                    if (body.contains(path))
                        masked.insert(path, body.value(path));
                    else if (maskedField->is_repeated())
                        masked.insert(path, QJsonArray());
                }
                body = masked;
            }
        }
        if (!body.isEmpty()) {
            http.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
            http.headers.append({QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json")});
        }
    }
    http.target = http.query.isEmpty() ? http.path : http.path + '?' + http.query;
    return http;
}

bool GrpcAdminMapping::readAnswer(const QByteArray &body, google::protobuf::Message *response, QString *error)
{
    QByteArray json = "{}";
    if (!body.trimmed().isEmpty()) {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
        if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
            *error = QStringLiteral("the admin API answered something that is not a JSON object");
            return false;
        }
        json = QJsonDocument(adaptAnswer(document.object()).toObject()).toJson(QJsonDocument::Compact);
    }
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true; // fields the REST API gained before admin.proto did
    const auto parsed = google::protobuf::util::JsonStringToMessage(json.toStdString(), response, options);
    if (!parsed.ok()) {
        *error =
            QStringLiteral("cannot read the admin API's answer as %1: %2")
                .arg(fromStd(response->GetDescriptor()->full_name()), fromStd(parsed.message().ToString()));
        return false;
    }
    return true;
}

grpc::StatusCode GrpcAdminMapping::statusCode(int httpStatus, const QByteArray &code)
{
    switch (httpStatus) {
    case 400:
    case 422:
        return grpc::StatusCode::INVALID_ARGUMENT;
    case 401:
        return grpc::StatusCode::UNAUTHENTICATED;
    case 403:
        return grpc::StatusCode::PERMISSION_DENIED;
    case 404:
        return grpc::StatusCode::NOT_FOUND;
    case 405:
    case 501:
        return grpc::StatusCode::UNIMPLEMENTED;
    case 409:
        // A conflict with something that exists already, or with the state a thing is in (in_flight,
        // a recovery that has finished).
        return code.contains("exists") || code.contains("duplicate") ? grpc::StatusCode::ALREADY_EXISTS
                                                                     : grpc::StatusCode::FAILED_PRECONDITION;
    case 408:
    case 504:
        return grpc::StatusCode::DEADLINE_EXCEEDED;
    case 413:
    case 429:
        return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 503:
        return grpc::StatusCode::UNAVAILABLE;
    case 500:
        return grpc::StatusCode::INTERNAL;
    default:
        return grpc::StatusCode::UNKNOWN;
    }
}

grpc::Status GrpcAdminMapping::statusOf(const HttpResponse &answer, QByteArray *code)
{
    const QJsonObject error =
        QJsonDocument::fromJson(answer.body).object().value(QStringLiteral("error")).toObject();
    *code = error.value(QStringLiteral("code")).toString().toUtf8();
    QString message = error.value(QStringLiteral("message")).toString();
    if (message.isEmpty())
        message = QStringLiteral("the admin API answered HTTP %1").arg(answer.status);
    return grpc::Status(statusCode(answer.status, *code), message.toStdString());
}
