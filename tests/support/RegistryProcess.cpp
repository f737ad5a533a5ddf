#include "RegistryProcess.h"

#include "ProcessWait.h"

#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcessEnvironment>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTimer>

namespace {

void pause(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// A double-quoted YAML scalar, so tokens and paths with ':' or '#' stay literal.
QByteArray yamlQuoted(const QByteArray &value)
{
    QByteArray escaped = value;
    escaped.replace('\\', "\\\\").replace('"', "\\\"");
    return '"' + escaped + '"';
}

bool writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data) != data.size()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

QString findBinary(const QString &name)
{
    const QString debian = QStringLiteral("/usr/bin/") + name;
    if (QFileInfo(debian).isExecutable())
        return debian;
    return QStandardPaths::findExecutable(name);
}

} // namespace

QString SkopeoResult::describe() const
{
    return QStringLiteral("skopeo exit code %1: %2").arg(exitCode).arg(QString::fromLocal8Bit(err.trimmed()));
}

RegistryProcess::RegistryProcess()
{
    // The registry logs a lot; a file never fills up and blocks it the way an unread pipe would.
    m_process.setProcessChannelMode(QProcess::MergedChannels);
}

RegistryProcess::~RegistryProcess()
{
    stop();
}

QString RegistryProcess::registryBinary()
{
    return findBinary(QStringLiteral("docker-registry"));
}

QString RegistryProcess::skopeoBinary()
{
    return findBinary(QStringLiteral("skopeo"));
}

quint16 RegistryProcess::freePort()
{
    // The registry cannot report the port it bound, so pick one the kernel considers free; start() retries
    // when another process takes it in between.
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

bool RegistryProcess::start(const QUrl &notifyUrl, const QByteArray &bearerToken, QString *error,
                            int timeoutMs)
{
    if (!m_dir.isValid()) {
        if (error)
            *error = QStringLiteral("cannot create a temp dir: %1").arg(m_dir.errorString());
        return false;
    }
    if (registryBinary().isEmpty()) {
        if (error)
            *error = QStringLiteral("docker-registry is not installed (apt-get install docker-registry)");
        return false;
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        bool portTaken = false;
        if (startOnce(notifyUrl, bearerToken, error, timeoutMs, &portTaken))
            return true;
        if (!portTaken)
            return false;
    }
    return false;
}

bool RegistryProcess::startOnce(const QUrl &notifyUrl, const QByteArray &bearerToken, QString *error,
                                int timeoutMs, bool *portTaken)
{
    m_port = freePort();
    const QString storage = m_dir.filePath(QStringLiteral("storage"));
    QDir().mkpath(storage);
    QByteArray secret = QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    const QByteArray config = "version: 0.1\n"
                              "log:\n"
                              "  level: info\n"
                              "  formatter: text\n"
                              "  accesslog:\n"
                              "    disabled: false\n"
                              "storage:\n"
                              "  filesystem:\n"
                              "    rootdirectory: " +
                              yamlQuoted(storage.toUtf8()) +
                              "\n"
                              "  delete:\n"
                              "    enabled: true\n"
                              "  cache:\n"
                              "    blobdescriptor: inmemory\n"
                              "http:\n"
                              "  addr: " +
                              yamlQuoted(hostPort().toUtf8()) +
                              "\n"
                              "  secret: " +
                              yamlQuoted(secret) +
                              "\n"
                              "notifications:\n"
                              "  endpoints:\n"
                              "    - name: tidings\n"
                              "      url: " +
                              yamlQuoted(notifyUrl.toEncoded()) +
                              "\n"
                              "      headers:\n"
                              "        Authorization: [" +
                              yamlQuoted("Bearer " + bearerToken) +
                              "]\n"
                              "      timeout: 2s\n"
                              "      threshold: 5\n"
                              "      backoff: 1s\n";
    if (!writeFile(configPath(), config, error))
        return false;

    // REGISTRY_* variables override the config file; a developer's shell must not change the test's registry.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &key : keys) {
        if (key.startsWith(QLatin1String("REGISTRY_")))
            env.remove(key);
    }
    m_process.setProcessEnvironment(env);
    m_process.setStandardOutputFile(m_dir.filePath(QStringLiteral("registry.log")), QIODevice::Truncate);
    m_process.setWorkingDirectory(m_dir.path());
    m_process.start(registryBinary(), {QStringLiteral("serve"), configPath()});
    if (!m_process.waitForStarted(5000)) {
        if (error)
            *error = QStringLiteral("cannot start %1: %2").arg(registryBinary(), m_process.errorString());
        return false;
    }
    if (waitUntilServing(timeoutMs))
        return true;

    const bool exited = m_process.state() == QProcess::NotRunning;
    stop();
    const QByteArray log = logs();
    *portTaken = exited && log.contains("address already in use");
    if (error) {
        *error = QStringLiteral("docker-registry %1 on %2 (config %3); its log:\n%4")
                     .arg(exited ? QStringLiteral("exited with code %1").arg(m_process.exitCode())
                                 : QStringLiteral("did not answer GET /v2/ within %1 ms").arg(timeoutMs),
                          hostPort(), configPath(), QString::fromLocal8Bit(log));
    }
    return false;
}

bool RegistryProcess::waitUntilServing(int timeoutMs)
{
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    const QUrl url(QStringLiteral("http://%1/v2/").arg(hostPort()));
    QElapsedTimer elapsed;
    elapsed.start();
    while (elapsed.elapsed() < timeoutMs && m_process.state() == QProcess::Running) {
        QNetworkRequest request(url);
        request.setTransferTimeout(1000);
        QNetworkReply *reply = network.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        if (status == 200)
            return true;
        pause(100);
    }
    return false;
}

void RegistryProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!waitForProcessExit(m_process, 5000)) {
        m_process.kill();
        waitForProcessExit(m_process, 5000);
    }
}

QByteArray RegistryProcess::logs() const
{
    QFile file(m_dir.filePath(QStringLiteral("registry.log")));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

QByteArray RegistryProcess::problems() const
{
    QByteArray selected;
    const QList<QByteArray> lines = logs().split('\n');
    for (const QByteArray &line : lines) {
        const bool notable = line.contains("level=warning") || line.contains("level=error") ||
                             line.contains("level=fatal") || line.contains("level=panic") ||
                             line.contains("Sink") || line.contains("sink");
        const bool routine404 = line.contains("blob unknown") || line.contains("manifest unknown");
        if (notable && !routine404)
            selected += line + '\n';
    }
    return selected;
}

bool RegistryProcess::prepareSkopeoSandbox(QString *error)
{
    if (m_sandboxReady)
        return true;
    const QDir root(m_dir.filePath(QStringLiteral("skopeo")));
    for (const char *sub : {"home", "run", "config", "data", "tmp", "registries.d", "docker", "certs.d"}) {
        if (!QDir().mkpath(root.filePath(QString::fromLatin1(sub)))) {
            if (error)
                *error = QStringLiteral("cannot create %1").arg(root.filePath(QString::fromLatin1(sub)));
            return false;
        }
    }
    QFile::setPermissions(root.filePath(QStringLiteral("run")),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_sandboxReady = writeFile(root.filePath(QStringLiteral("policy.json")),
                               "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n", error) &&
                     writeFile(root.filePath(QStringLiteral("auth.json")), "{\"auths\":{}}\n", error) &&
                     writeFile(root.filePath(QStringLiteral("registries.conf")),
                               "unqualified-search-registries = []\n", error) &&
                     writeFile(root.filePath(QStringLiteral("containers.conf")), "", error);
    return m_sandboxReady;
}

SkopeoResult RegistryProcess::runSkopeo(const QStringList &args, int timeoutMs)
{
    SkopeoResult result;
    QString error;
    if (skopeoBinary().isEmpty()) {
        result.err = "skopeo is not installed (apt-get install skopeo)";
        return result;
    }
    if (!prepareSkopeoSandbox(&error)) {
        result.err = error.toLocal8Bit();
        return result;
    }
    const QDir root(m_dir.filePath(QStringLiteral("skopeo")));
    // A private HOME, these variables and the flags below (--registries-conf is hidden in skopeo 1.9.3 but
    // works) keep skopeo away from the user's ~/.config/containers, ~/.docker and auth files and from
    // /etc/containers/{registries.conf,policy.json}. strace shows one thing left: the system drop-in
    // directory /etc/containers/registries.conf.d, which 1.9.3 always reads; it only holds short-name
    // aliases, which never apply to a fully qualified 127.0.0.1:<port>/... reference.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), root.filePath(QStringLiteral("home")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), root.filePath(QStringLiteral("run")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), root.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), root.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("TMPDIR"), root.filePath(QStringLiteral("tmp")));
    env.insert(QStringLiteral("DOCKER_CONFIG"), root.filePath(QStringLiteral("docker")));
    env.insert(QStringLiteral("REGISTRY_AUTH_FILE"), root.filePath(QStringLiteral("auth.json")));
    env.insert(QStringLiteral("CONTAINERS_CONF"), root.filePath(QStringLiteral("containers.conf")));
    QProcess process;
    process.setProcessEnvironment(env);
    const QStringList global{
        QStringLiteral("--policy"),          root.filePath(QStringLiteral("policy.json")),
        QStringLiteral("--registries.d"),    root.filePath(QStringLiteral("registries.d")),
        QStringLiteral("--registries-conf"), root.filePath(QStringLiteral("registries.conf")),
        QStringLiteral("--tmpdir"),          root.filePath(QStringLiteral("tmp")),
    };
    process.start(skopeoBinary(), global + args);
    if (!process.waitForStarted(5000)) {
        result.err = "cannot start skopeo: " + process.errorString().toLocal8Bit();
        return result;
    }
    const bool exited = waitForProcessExit(process, timeoutMs);
    result.finishedAt = QDateTime::currentDateTimeUtc();
    if (!exited) {
        process.kill();
        waitForProcessExit(process, 5000);
    }
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    if (!exited)
        result.err.prepend("skopeo timed out after " + QByteArray::number(timeoutMs) + " ms\n");
    result.exitCode = process.exitCode();
    result.ok = exited && process.exitStatus() == QProcess::NormalExit && result.exitCode == 0;
    return result;
}

SkopeoResult RegistryProcess::copy(const QString &ociDir, const QString &tag, const QString &repoAndTag,
                                   int timeoutMs)
{
    const QString authFile = m_dir.filePath(QStringLiteral("skopeo/auth.json"));
    return runSkopeo({QStringLiteral("copy"), QStringLiteral("--quiet"), QStringLiteral("--preserve-digests"),
                      QStringLiteral("--dest-tls-verify=false"), QStringLiteral("--src-authfile"), authFile,
                      QStringLiteral("--dest-authfile"), authFile, QStringLiteral("--dest-cert-dir"),
                      m_dir.filePath(QStringLiteral("skopeo/certs.d")),
                      QStringLiteral("oci:") + ociDir + u':' + tag,
                      QStringLiteral("docker://") + hostPort() + u'/' + repoAndTag},
                     timeoutMs);
}

SkopeoResult RegistryProcess::deleteImage(const QString &repoAndTag, int timeoutMs)
{
    return runSkopeo({QStringLiteral("delete"), QStringLiteral("--tls-verify=false"),
                      QStringLiteral("--authfile"), m_dir.filePath(QStringLiteral("skopeo/auth.json")),
                      QStringLiteral("--cert-dir"), m_dir.filePath(QStringLiteral("skopeo/certs.d")),
                      QStringLiteral("docker://") + hostPort() + u'/' + repoAndTag},
                     timeoutMs);
}
