#include "ServeSettings.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>

const QList<ServeSettings::Spec> &ServeSettings::specs()
{
    static const QList<Spec> all{
        {QStringLiteral("listen"), QStringLiteral("TIDINGS_LISTEN"), QStringLiteral("HOST:PORT"),
         QStringLiteral("Address of the intake and the operations endpoints.")},
        {QStringLiteral("intake-token"), QStringLiteral("TIDINGS_INTAKE_TOKEN"), QStringLiteral("TOKEN"),
         QStringLiteral("Bearer token registries send.")},
        {QStringLiteral("admin-token"), QStringLiteral("TIDINGS_ADMIN_TOKEN"), QStringLiteral("TOKEN"),
         QStringLiteral("Bearer token of the admin API under /v1/admin/ (off without one).")},
        {QStringLiteral("grpc-listen"), QStringLiteral("TIDINGS_GRPC_LISTEN"), QStringLiteral("HOST:PORT"),
         QStringLiteral("Address of the gRPC admin API (off without one; needs --admin-token).")},
        {QStringLiteral("metrics-token"), QStringLiteral("TIDINGS_METRICS_TOKEN"), QStringLiteral("TOKEN"),
         QStringLiteral("Bearer token GET /metrics wants; open without.")},
        {QStringLiteral("poll-interval"), QStringLiteral("TIDINGS_POLL_INTERVAL"), QStringLiteral("SECONDS"),
         QStringLiteral("Fallback poll, seconds.")},
        {QStringLiteral("body-limit"), QStringLiteral("TIDINGS_BODY_LIMIT"), QStringLiteral("BYTES"),
         QStringLiteral("Largest notification body.")},
        {QStringLiteral("durability"), QStringLiteral("TIDINGS_DURABILITY"), QStringLiteral("MODE"),
         QStringLiteral("full (survives power loss) or normal (faster).")},
        {QStringLiteral("retention"), QStringLiteral("TIDINGS_RETENTION"), QStringLiteral("AGE"),
         QStringLiteral("Keep finished history this long.")},
        {QStringLiteral("retention-per-webhook"), QStringLiteral("TIDINGS_RETENTION_PER_WEBHOOK"),
         QStringLiteral("N"), QStringLiteral("Finished deliveries kept per webhook.")},
        {QStringLiteral("destination-guard"), QStringLiteral("TIDINGS_DESTINATION_GUARD"),
         QStringLiteral("MODE"), QStringLiteral("Block private destinations: auto, on, off.")},
        {QStringLiteral("allow-destination"), QStringLiteral("TIDINGS_ALLOW_DESTINATIONS"),
         QStringLiteral("CIDR"), QStringLiteral("Address or subnet the guard lets through."), true},
        {QStringLiteral("lease-margin"), QStringLiteral("TIDINGS_LEASE_MARGIN"), QStringLiteral("SECONDS"),
         QStringLiteral("Seconds a claim outlives the attempt's deadline; after a crash, in-flight "
                        "deliveries are sent again once it runs out.")},
        {QStringLiteral("disable-after"), QStringLiteral("TIDINGS_DISABLE_AFTER"), QStringLiteral("AGE"),
         QStringLiteral("Disable a webhook whose attempts have all failed for this long (0: never).")},
        {QStringLiteral("ops-webhook"), QStringLiteral("TIDINGS_OPS_WEBHOOK"), QStringLiteral("URL"),
         QStringLiteral("POST operational events (webhook disabled) here.")},
        {QStringLiteral("log-format"), QStringLiteral("TIDINGS_LOG_FORMAT"), QStringLiteral("FORMAT"),
         QStringLiteral("Log lines on stderr: plain or json.")},
    };
    return all;
}

QStringList ServeSettings::extraFileKeys()
{
    return {QStringLiteral("db")};
}

QList<QCommandLineOption> ServeSettings::options()
{
    QList<QCommandLineOption> result;
    for (const Spec &spec : specs())
        result.append(QCommandLineOption(spec.key, spec.description, spec.valueName));
    return result;
}

bool ServeSettings::loadFile(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists() || !info.isFile()) {
        *error = QStringLiteral("configuration file %1 does not exist").arg(path);
        return false;
    }
    if (!info.isReadable()) {
        *error = QStringLiteral("configuration file %1 cannot be read (permissions)").arg(path);
        return false;
    }
    QSettings file(path, QSettings::IniFormat);
    if (file.status() == QSettings::AccessError) {
        *error = QStringLiteral("configuration file %1 cannot be read").arg(path);
        return false;
    }
    if (file.status() == QSettings::FormatError) {
        *error = QStringLiteral("configuration file %1 is not an INI file (key = value lines)").arg(path);
        return false;
    }
    QStringList known = extraFileKeys();
    for (const Spec &spec : specs())
        known.append(spec.key);
    m_filePath = path;
    m_fileValues.clear();
    const QStringList keys = file.allKeys();
    for (const QString &key : keys) {
        if (key.startsWith(QLatin1Char('#'))) {
            *error =
                QStringLiteral("%1: \"%2\" is read as a key: comments in an INI file start with ';', not '#'")
                    .arg(path, key);
            return false;
        }
        if (!known.contains(key)) {
            *error =
                QStringLiteral("%1: unknown key \"%2\"; the keys are %3, at the top of the file without a "
                               "[section]")
                    .arg(path, key, known.join(QStringLiteral(", ")));
            return false;
        }
        // QSettings splits an unquoted value at commas; a list setting wants exactly that, the others get
        // their text back.
        const QVariant raw = file.value(key);
        QStringList values;
        if (raw.metaType().id() == QMetaType::QStringList) {
            for (const QString &item : raw.toStringList()) {
                if (!item.trimmed().isEmpty())
                    values.append(item.trimmed());
            }
        } else if (!raw.toString().trimmed().isEmpty()) {
            values.append(raw.toString().trimmed());
        }
        m_fileValues.insert(key, values);
    }
    return true;
}

ServeSettings::Value ServeSettings::fileValue(const QString &key) const
{
    Value value;
    value.values = m_fileValues.value(key);
    if (value.isSet())
        value.origin = QStringLiteral("%1: %2").arg(m_filePath, key);
    return value;
}

ServeSettings::Value ServeSettings::value(const QCommandLineParser &parser, const QString &key) const
{
    const Spec *spec = nullptr;
    for (const Spec &candidate : specs()) {
        if (candidate.key == key)
            spec = &candidate;
    }
    Q_ASSERT(spec);
    Value value;
    if (parser.isSet(key)) {
        value.values = spec->repeatable ? parser.values(key) : QStringList{parser.value(key)};
        value.origin = QStringLiteral("--") + key;
        return value;
    }
    const QString environment = qEnvironmentVariable(spec->environment.toLatin1().constData());
    if (!environment.isEmpty()) {
        if (spec->repeatable) {
            for (const QString &item : environment.split(QLatin1Char(','), Qt::SkipEmptyParts))
                value.values.append(item.trimmed());
        } else {
            value.values = {environment};
        }
        value.origin = spec->environment;
        return value;
    }
    value = fileValue(key);
    if (value.values.size() > 1 && !spec->repeatable)
        value.values = {value.values.join(QLatin1Char(','))};
    return value;
}
