#pragma once

#include "JsonCursor.h"

#include <QByteArray>
#include <QList>
#include <QString>

// Finds the byte span of every element of a JSON array: the "events" member of a registry envelope, or a
// top-level array (a CloudEvents batch). Intake parsers use it so each stored event keeps the exact bytes
// the sender wrote, formatting included, instead of a re-serialisation.
//
// It runs only on bodies that QJsonDocument has already accepted, so it can rely on the input being
// well-formed JSON and only has to know enough to skip over strings (with their escapes) and nested
// containers. Skipping is iterative: the nesting depth of the body does not matter here.
class JsonSpanScanner : private JsonCursor
{
public:
    struct Span
    {
        qsizetype begin;
        qsizetype length;
    };

    explicit JsonSpanScanner(const QByteArray &body);

    // The body is an object; *spans gets the elements of its array member `name` (with duplicate keys, the
    // last one, as QJsonDocument keeps). false when the body does not have that shape.
    bool scanMemberArray(const QString &name, QList<Span> *spans);
    // The body is an array; *spans gets its elements. false when it is not.
    bool scanTopLevelArray(QList<Span> *spans);

private:
    void skipByteOrderMarkAndWhitespace();
    // At an opening quote: moves past the closing quote; the raw bytes between them go to *raw if given.
    bool readString(QByteArray *raw = nullptr);
    static QString decodeKey(const QByteArray &raw);
    bool skipValue();
    bool scanArray(QList<Span> *spans);
};
