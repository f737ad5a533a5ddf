#pragma once

#include "model/RegistryEvent.h"

#include "JsonCursor.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QDateTime>
#include <QList>
#include <QString>

#include <functional>
#include <initializer_list>

// The intake's common case in one pass over the bytes: a well-formed distribution envelope whose events carry
// every required field with the type it should have. It validates the body as it goes and keeps only the
// members an event needs, building no document. Under callgrind, QJsonDocument's parse, the span scanner
// and the member lookups were a third of the instructions an intake request costs.
//
// It declines (read() returns false) on anything outside that shape, and EnvelopeParser then takes the body
// through QJsonDocument, which gives the error message or the lenient reading. To make "whatever this
// accepts, QJsonDocument accepts too, with the same events" easy to keep, it is stricter than Qt's parser
// and declines whatever it would have to think about:
// - JSON: strict RFC 8259 only; no byte order mark, no unknown escapes, no raw control characters in
//   strings, no invalid or overlong UTF-8, no noncharacters, no keys written with escapes, no exponents or
//   numbers of more than 15 digits, nesting deeper than maxDepth;
// - envelope: a member it reads given twice in one object (Qt keeps the last), a member of the wrong type,
//   a read string that is empty, a size that is not a plain integer, no events or more than maxEvents.
// tests/fuzz/fuzz_envelope.cpp compares the two readings on every input it generates.
class EnvelopeFastReader : private JsonCursor
{
public:
    static constexpr int maxDepth = 64;

    // Fills *events (in envelope order, as EnvelopeParser::parseThroughDocument would) and returns true, or
    // returns false and leaves *events in an unspecified state.
    static bool read(const QByteArray &body, const QByteArray &contentType, const QDateTime &receivedUtc,
                     int maxEvents, QList<RegistryEvent> *events);

private:
    explicit EnvelopeFastReader(const QByteArray &body);

    // A member an object is read for: a string that must not be empty, a plain integer, or a value that
    // readValue reads itself (an object of its own).
    struct Member
    {
        Member(const char *name, QString *text)
            : name(name)
            , text(text)
        {}
        Member(const char *name, qint64 *integer)
            : name(name)
            , integer(integer)
        {}
        Member(const char *name, std::function<bool()> readValue)
            : name(name)
            , readValue(std::move(readValue))
        {}

        QByteArrayView name;
        QString *text = nullptr;
        qint64 *integer = nullptr;
        std::function<bool()> readValue;
    };

    bool readEnvelope(int maxEvents, QList<RegistryEvent> *events);
    bool readEvents(int maxEvents, QList<RegistryEvent> *events);
    bool readEvent(RegistryEvent *event);
    bool readTarget(RegistryEvent *event);
    // At an object at nesting level `depth`: reads the members listed, each at most once, and skips the rest.
    // *found gets one bit per member present, in the order of the list (the first member is bit 0).
    bool readMembers(std::initializer_list<Member> members, int depth, int *found = nullptr);

    // Calls onMember(key) at each member's value; onMember reads or skips the value.
    template<typename OnMember> bool readObject(OnMember onMember);
    // Calls onElement() at each element; onElement reads or skips it.
    template<typename OnElement> bool readArray(OnElement onElement);

    bool readKey(QByteArrayView *key);
    // A string value that is not empty.
    bool readNonEmptyString(QString *out);
    // At an opening quote: moves past the closing quote. *hasEscapes tells whether the text between them
    // needs decoding; it is valid UTF-8 either way.
    bool scanString(qsizetype *begin, qsizetype *end, bool *hasEscapes);
    bool skipUtf8Sequence();
    QString decodeEscaped(qsizetype begin, qsizetype end) const;
    bool readInteger(qint64 *out);
    bool skipNumber();
    bool skipLiteral();
    bool skipValue(int depth);
};
