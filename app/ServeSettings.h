#pragma once

#include <QCommandLineOption>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

class QCommandLineParser;

// The settings of `tidings serve` and where each can come from: a flag, an environment variable, or a key
// of the configuration file (`--config FILE`, INI). The first of those that gives a value wins, so a flag
// beats the environment, which beats the file, which beats the default. Every value remembers its origin,
// so an error names the flag, the variable, or the file and key a person has to fix.
class ServeSettings
{
public:
    struct Spec
    {
        QString key;         // the flag without "--", and the key in the file
        QString environment; // TIDINGS_...
        QString valueName;   // for --help
        QString description;
        bool repeatable = false; // flags repeat; environment and file take a comma-separated list
    };

    struct Value
    {
        QStringList values; // one element, several for a repeatable setting; empty when not set
        QString origin;     // "--listen", "TIDINGS_LISTEN" or "/etc/tidings/serve.ini: listen"
        bool isSet() const { return !values.isEmpty(); }
        QString text() const { return values.join(QLatin1Char(',')); }
    };

    // Every setting, in the order of the documentation. (The database, --db and TIDINGS_DB, is a global
    // option of every command; the file's "db" key is read by ServeCommand.)
    static const QList<Spec> &specs();
    // Keys the file may hold beyond the flags: "db".
    static QStringList extraFileKeys();
    static QList<QCommandLineOption> options();

    // Reads an INI file. False with an error naming the file (and the key) when it cannot be read, is not
    // INI, or holds a key that is not a setting (a typo would otherwise be ignored silently).
    bool loadFile(const QString &path, QString *error);
    QString filePath() const { return m_filePath; }

    // The value of `key` from the parsed flags, the environment or the file, in that order. Empty values
    // count as not set.
    Value value(const QCommandLineParser &parser, const QString &key) const;
    // The file's value alone (for settings such as "db" that are resolved elsewhere).
    Value fileValue(const QString &key) const;

private:
    QString m_filePath;
    QHash<QString, QStringList> m_fileValues;
};
