#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QUrl>

// The outcome of one skopeo run.
struct SkopeoResult
{
    bool ok = false; // started, exited normally with code 0
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QDateTime finishedAt;     // wall clock (UTC) when the process was seen to exit
    QString describe() const; // one line for failure messages
};

// A real CNCF distribution registry (Debian's docker-registry) on loopback, whose notifications go to one
// endpoint, plus skopeo to push to it and delete from it. Everything (storage, config, logs, skopeo's home,
// policy, auth and registries files) lives in a private temp dir, so a run neither reads nor changes the
// user's registry or container configuration.
class RegistryProcess
{
public:
    RegistryProcess();
    ~RegistryProcess();
    RegistryProcess(const RegistryProcess &) = delete;
    RegistryProcess &operator=(const RegistryProcess &) = delete;

    // Paths of the binaries, empty when not installed.
    static QString registryBinary();
    static QString skopeoBinary();

    // Starts the registry with notifications to notifyUrl carrying "Authorization: Bearer <bearerToken>"
    // and waits until GET /v2/ answers 200. False and a reason (with the registry's log) on failure.
    bool start(const QUrl &notifyUrl, const QByteArray &bearerToken, QString *error, int timeoutMs = 15000);
    void stop();
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    quint16 port() const { return m_port; }
    QString hostPort() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    QString dir() const { return m_dir.path(); }
    void keepFiles() { m_dir.setAutoRemove(false); } // leave config, storage and log for a post-mortem
    QString configPath() const { return m_dir.filePath(QStringLiteral("config.yml")); }
    QByteArray logs() const; // the registry's stdout and stderr so far
    // Just the lines worth reading after a failure: warnings, errors and anything about notification sinks,
    // without the 404s that every push's existence checks produce.
    QByteArray problems() const;

    // skopeo copy oci:<ociDir>:<tag> docker://127.0.0.1:<port>/<repoAndTag>, keeping digests unchanged.
    SkopeoResult copy(const QString &ociDir, const QString &tag, const QString &repoAndTag,
                      int timeoutMs = 120000);
    // skopeo delete docker://127.0.0.1:<port>/<repoAndTag> (repo:tag or repo@digest).
    SkopeoResult deleteImage(const QString &repoAndTag, int timeoutMs = 60000);

private:
    bool startOnce(const QUrl &notifyUrl, const QByteArray &bearerToken, QString *error, int timeoutMs,
                   bool *portTaken);
    bool waitUntilServing(int timeoutMs);
    bool prepareSkopeoSandbox(QString *error);
    SkopeoResult runSkopeo(const QStringList &args, int timeoutMs);
    static quint16 freePort();

    QTemporaryDir m_dir;
    QProcess m_process;
    quint16 m_port = 0;
    bool m_sandboxReady = false;
};
