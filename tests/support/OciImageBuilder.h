#pragma once

#include <QByteArray>
#include <QString>

// Writes a one-layer OCI image layout (oci-layout, index.json, blobs/sha256/<hex>) that skopeo can push with
// `oci:<dir>:<tag>`. The layer holds one small file with random content, so every run pushes digests the
// registry has never seen: a test can never be satisfied by a blob or manifest left over from an earlier run.
// Built by hand (ustar + gzip member) so the tests need neither Docker nor tar/gzip binaries.
class OciImageBuilder
{
public:
    static constexpr const char *manifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    static constexpr const char *configMediaType = "application/vnd.oci.image.config.v1+json";
    static constexpr const char *layerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";

    // Creates dir if needed and writes the layout with one manifest annotated with tag. False and a readable
    // reason in *error when a file cannot be written.
    bool build(const QString &dir, const QString &tag, QString *error);

    // "sha256:<hex>" of the blobs written by the last successful build().
    QString manifestDigest() const { return m_manifestDigest; }
    QString configDigest() const { return m_configDigest; }
    QString layerDigest() const { return m_layerDigest; }
    QString diffId() const { return m_diffId; } // sha256 of the uncompressed tar
    QByteArray manifest() const { return m_manifest; }
    QByteArray fileContent() const { return m_fileContent; }

    // Exposed for the throwaway self-checks: a single-file ustar archive and an RFC 1952 gzip member.
    static QByteArray tarSingleFile(const QByteArray &name, const QByteArray &content, qint64 mtime);
    static QByteArray gzip(const QByteArray &data);
    static QString digestOf(const QByteArray &data);

private:
    static bool writeBlob(const QString &dir, const QByteArray &data, QString *error);
    static bool writeFile(const QString &path, const QByteArray &data, QString *error);

    QString m_manifestDigest;
    QString m_configDigest;
    QString m_layerDigest;
    QString m_diffId;
    QByteArray m_manifest;
    QByteArray m_fileContent;
};
