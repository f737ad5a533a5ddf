#include "OciImageBuilder.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSaveFile>

#include <array>

namespace {

quint32 crc32(const QByteArray &data)
{
    // gzip's trailer needs the IEEE CRC-32; Qt does not export one, so a table-driven one it is.
    static const std::array<quint32, 256> table = [] {
        std::array<quint32, 256> t{};
        for (quint32 n = 0; n < 256; ++n) {
            quint32 c = n;
            for (int k = 0; k < 8; ++k)
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }();
    quint32 crc = 0xFFFFFFFFu;
    for (const char ch : data)
        crc = table[(crc ^ quint8(ch)) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

void appendLittleEndian32(QByteArray &out, quint32 value)
{
    for (int i = 0; i < 4; ++i)
        out.append(char((value >> (8 * i)) & 0xFF));
}

// Writes value as zero-padded octal into a ustar numeric field of width bytes, NUL-terminated.
void putOctal(char *field, int width, qint64 value)
{
    const QByteArray digits = QByteArray::number(value, 8).rightJustified(width - 1, '0');
    memcpy(field, digits.constData(), size_t(width - 1));
    field[width - 1] = '\0';
}

QJsonObject descriptor(const char *mediaType, const QString &digest, qint64 size)
{
    return QJsonObject{{QStringLiteral("mediaType"), QString::fromLatin1(mediaType)},
                       {QStringLiteral("digest"), digest},
                       {QStringLiteral("size"), size}};
}

} // namespace

QString OciImageBuilder::digestOf(const QByteArray &data)
{
    return QStringLiteral("sha256:") +
           QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QByteArray OciImageBuilder::tarSingleFile(const QByteArray &name, const QByteArray &content, qint64 mtime)
{
    QByteArray header(512, '\0');
    char *h = header.data();
    memcpy(h, name.constData(), size_t(qMin<qsizetype>(name.size(), 100)));
    putOctal(h + 100, 8, 0644);            // mode
    putOctal(h + 108, 8, 0);               // uid
    putOctal(h + 116, 8, 0);               // gid
    putOctal(h + 124, 12, content.size()); // size
    putOctal(h + 136, 12, mtime);          // mtime
    h[156] = '0';                          // regular file
    memcpy(h + 257, "ustar", 6);           // magic "ustar\0" (POSIX), then version "00"
    memcpy(h + 263, "00", 2);
    memcpy(h + 265, "root", 4);
    memcpy(h + 297, "root", 4);
    // The checksum is computed with its own field set to spaces, then stored as 6 octal digits, NUL, space.
    memset(h + 148, ' ', 8);
    unsigned int sum = 0;
    for (int i = 0; i < 512; ++i)
        sum += quint8(h[i]);
    const QByteArray checksum = QByteArray::number(sum, 8).rightJustified(6, '0');
    memcpy(h + 148, checksum.constData(), 6);
    h[154] = '\0';
    h[155] = ' ';

    QByteArray tar = header + content;
    tar.append(QByteArray((512 - content.size() % 512) % 512, '\0'));
    tar.append(QByteArray(1024, '\0')); // end of archive: two zero blocks
    return tar;
}

QByteArray OciImageBuilder::gzip(const QByteArray &data)
{
    // qCompress yields a 4-byte big-endian length, then a zlib stream: a 2-byte header (no preset
    // dictionary), raw deflate data, a 4-byte Adler-32. The raw deflate data is exactly what a gzip member
    // wraps, so only the framing changes.
    const QByteArray zlib = qCompress(data, 9);
    const QByteArray deflate = zlib.mid(4 + 2, zlib.size() - 4 - 2 - 4);
    QByteArray out;
    out.append("\x1f\x8b\x08\x00", 4); // magic, CM=deflate, no flags
    out.append(QByteArray(4, '\0'));   // MTIME 0: output depends on the input only
    out.append("\x02\x03", 2);         // XFL=max compression, OS=Unix
    out.append(deflate);
    appendLittleEndian32(out, crc32(data));
    appendLittleEndian32(out, quint32(data.size() & 0xFFFFFFFF));
    return out;
}

bool OciImageBuilder::writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool OciImageBuilder::writeBlob(const QString &dir, const QByteArray &data, QString *error)
{
    const QString hex =
        QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
    return writeFile(dir + QStringLiteral("/blobs/sha256/") + hex, data, error);
}

bool OciImageBuilder::build(const QString &dir, const QString &tag, QString *error)
{
    if (!QDir().mkpath(dir + QStringLiteral("/blobs/sha256"))) {
        if (error)
            *error = QStringLiteral("cannot create %1/blobs/sha256").arg(dir);
        return false;
    }

    QByteArray nonce;
    for (int i = 0; i < 4; ++i) {
        const quint32 word = QRandomGenerator::system()->generate();
        nonce.append(reinterpret_cast<const char *>(&word), sizeof word);
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QByteArray content = "tidings e2e image " + nonce.toHex() + '\n';
    const QByteArray tar = tarSingleFile("tidings-e2e.txt", content, now.toSecsSinceEpoch());
    const QByteArray layer = gzip(tar);
    const QString diffId = digestOf(tar);
    const QString layerDigest = digestOf(layer);

    const QJsonObject config{
        {QStringLiteral("created"), now.toString(Qt::ISODate)},
        {QStringLiteral("architecture"), QStringLiteral("amd64")},
        {QStringLiteral("os"), QStringLiteral("linux")},
        {QStringLiteral("config"), QJsonObject{}},
        {QStringLiteral("rootfs"), QJsonObject{{QStringLiteral("type"), QStringLiteral("layers")},
                                               {QStringLiteral("diff_ids"), QJsonArray{diffId}}}},
        {QStringLiteral("history"),
         QJsonArray{QJsonObject{{QStringLiteral("created"), now.toString(Qt::ISODate)},
                                {QStringLiteral("created_by"), QStringLiteral("tidings OciImageBuilder")}}}},
    };
    const QByteArray configJson = QJsonDocument(config).toJson(QJsonDocument::Compact);
    const QString configDigest = digestOf(configJson);

    const QJsonObject manifest{
        {QStringLiteral("schemaVersion"), 2},
        {QStringLiteral("mediaType"), QString::fromLatin1(manifestMediaType)},
        {QStringLiteral("config"), descriptor(configMediaType, configDigest, configJson.size())},
        {QStringLiteral("layers"), QJsonArray{descriptor(layerMediaType, layerDigest, layer.size())}},
    };
    const QByteArray manifestJson = QJsonDocument(manifest).toJson(QJsonDocument::Compact);
    const QString manifestDigest = digestOf(manifestJson);

    QJsonObject manifestDescriptor = descriptor(manifestMediaType, manifestDigest, manifestJson.size());
    manifestDescriptor.insert(QStringLiteral("annotations"),
                              QJsonObject{{QStringLiteral("org.opencontainers.image.ref.name"), tag}});
    const QJsonObject index{
        {QStringLiteral("schemaVersion"), 2},
        {QStringLiteral("manifests"), QJsonArray{manifestDescriptor}},
    };

    if (!writeBlob(dir, layer, error) || !writeBlob(dir, configJson, error) ||
        !writeBlob(dir, manifestJson, error) ||
        !writeFile(dir + QStringLiteral("/oci-layout"),
                   QByteArrayLiteral("{\"imageLayoutVersion\":\"1.0.0\"}"), error) ||
        !writeFile(dir + QStringLiteral("/index.json"), QJsonDocument(index).toJson(QJsonDocument::Compact),
                   error)) {
        return false;
    }

    m_manifestDigest = manifestDigest;
    m_configDigest = configDigest;
    m_layerDigest = layerDigest;
    m_diffId = diffId;
    m_manifest = manifestJson;
    m_fileContent = content;
    return true;
}
