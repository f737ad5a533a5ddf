// libFuzzer target: GlobPattern and WebhookFilter, which run on every incoming event for every webhook.
//
// Input: lines of text (UTF-8), readable as a seed file (corpus/filter/):
//   0 a glob pattern            1 a text
//   2 webhook actions           3 repository globs        4 tag globs        5 media types   ('|' between
//   items,
//                                                                                             an empty line:
//                                                                                             none)
//   6 event action              7 event repository        8 event tag        9 event media type
// Missing lines are empty. Lines 0 and 1 are also reinterpreted as raw UTF-16, which reaches lone surrogates.
//
// Checked, beyond "no crash, no leak, no undefined behaviour, no timeout":
// - GlobPattern: "*" matches anything; an invalid pattern matches nothing and says why; a pattern without
//   metacharacters matches exactly itself; a fully escaped text matches exactly that text; P matching T
//   implies P* matches T+more and *P matches more+T; and, for patterns without classes or escapes, the answer
//   equals a straightforward dynamic-programming matcher's.
// - WebhookFilter::evaluate, for the fuzzed event and for every real event of tests/data, agrees with the
//   rules documented in WebhookFilter.h, computed here independently; a verdict has a reason exactly when it
//   does not match.

#include "FuzzSupport.h"

#include "EnvelopeParser.h"
#include "GlobPattern.h"
#include "WebhookFilter.h"

#include <QDir>
#include <QFile>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// Code points as GlobPattern documents them: surrogate pairs combined, anything else one unit each.
std::vector<char32_t> codePoints(QStringView text)
{
    std::vector<char32_t> out;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            out.push_back(QChar::surrogateToUcs4(c, text.at(i + 1)));
            ++i;
        } else {
            out.push_back(c.unicode());
        }
    }
    return out;
}

bool hasMeta(const QString &pattern)
{
    for (QChar c : pattern) {
        if (c == u'*' || c == u'?' || c == u'[' || c == u'\\')
            return true;
    }
    return false;
}

QString escaped(const QString &text)
{
    QString out;
    for (QChar c : text) {
        if (!c.isLowSurrogate() || out.isEmpty() || !out.back().isHighSurrogate())
            out += u'\\';
        out += c;
    }
    return out;
}

// The reference: classic O(p*t) dynamic programming for '*', '?' and literals.
bool referenceMatches(const std::vector<char32_t> &p, const std::vector<char32_t> &t)
{
    std::vector<char> row(t.size() + 1, 0), next(t.size() + 1, 0);
    row[0] = 1; // empty pattern matches the empty prefix
    for (char32_t pc : p) {
        std::fill(next.begin(), next.end(), 0);
        if (pc == U'*') {
            char any = 0;
            for (size_t j = 0; j <= t.size(); ++j) {
                any = any || row[j];
                next[j] = any;
            }
        } else {
            for (size_t j = 1; j <= t.size(); ++j)
                next[j] = row[j - 1] && (pc == U'?' || pc == t[j - 1]);
        }
        row.swap(next);
    }
    return row[t.size()];
}

void checkGlob(const QString &pattern, const QString &text)
{
    const GlobPattern glob(pattern);
    const auto what = [&] {
        return QStringLiteral("pattern \"%1\", text \"%2\"").arg(pattern, text);
    };
    const bool matched = glob.matches(text);

    FUZZ_CHECK(GlobPattern(QStringLiteral("*")).matches(text), what());
    QString error;
    FUZZ_CHECK(GlobPattern::isValidPattern(pattern, &error) == glob.isValid(), what());
    FUZZ_CHECK(error == glob.errorString(), what());
    if (!glob.isValid()) {
        FUZZ_CHECK(!glob.errorString().isEmpty(), what());
        FUZZ_CHECK(!matched, what());
        return;
    }
    FUZZ_CHECK(glob.errorString().isEmpty(), what());

    const std::vector<char32_t> p = codePoints(pattern);
    const std::vector<char32_t> t = codePoints(text);
    if (!hasMeta(pattern)) {
        FUZZ_CHECK(glob.matches(pattern), what());
        FUZZ_CHECK(matched == (p == t), what());
    }
    const GlobPattern exact(escaped(text));
    FUZZ_CHECK(exact.isValid() && exact.matches(text), what() + QStringLiteral(" (escaped text)"));
    FUZZ_CHECK(exact.matches(pattern) == (p == t), what() + QStringLiteral(" (escaped text vs pattern)"));

    if (matched) {
        FUZZ_CHECK(GlobPattern(pattern + u'*').matches(QString(text + QStringLiteral("tail"))), what());
        FUZZ_CHECK(GlobPattern(u'*' + pattern).matches(QString(QStringLiteral("head") + text)), what());
    }
    if (!pattern.contains(u'[') && !pattern.contains(u'\\'))
        FUZZ_CHECK(matched == referenceMatches(p, t), what() + QStringLiteral(" (reference disagrees)"));
}

// The rules of WebhookFilter.h, computed directly from the configuration, with GlobPattern as the only
// shared part.
class ExpectedFilter
{
public:
    explicit ExpectedFilter(const WebhookConfig &config)
    {
        bool emptyAction = false;
        for (const QString &action : config.actions) {
            const QString trimmed = action.trimmed().toLower();
            if (trimmed.isEmpty())
                emptyAction = true;
            else
                m_actions.append(trimmed);
        }
        if (m_actions.isEmpty())
            m_actions.append(QStringLiteral("push"));
        m_allActions = m_actions.contains(QStringLiteral("*"));
        QStringList mediaTypes =
            config.mediaTypes.isEmpty() ? WebhookFilter::defaultMediaTypes() : config.mediaTypes;
        for (QString &mediaType : mediaTypes)
            mediaType = mediaType.toLower();
        m_valid = !emptyAction;
        m_repositories = compile(config.repositoryGlobs);
        m_tags = compile(config.tagGlobs);
        m_mediaTypes = compile(mediaTypes);
    }

    bool valid() const { return m_valid; }

    bool matches(const RegistryEvent &event) const
    {
        if (!m_valid)
            return false;
        const bool actionOk = m_allActions || m_actions.contains(event.action.toLower());
        const bool repositoryOk = m_repositories.isEmpty() || anyMatches(m_repositories, event.repository);
        const bool tagOk = m_tags.isEmpty() || (!event.tag.isEmpty() && anyMatches(m_tags, event.tag));
        const bool mediaTypeOk =
            event.mediaType.isEmpty() || anyMatches(m_mediaTypes, event.mediaType.toLower());
        return actionOk && repositoryOk && tagOk && mediaTypeOk;
    }

private:
    QList<GlobPattern> compile(const QStringList &patterns)
    {
        QList<GlobPattern> globs;
        for (const QString &pattern : patterns) {
            globs.append(GlobPattern(pattern));
            if (pattern.isEmpty() || !globs.constLast().isValid())
                m_valid = false;
        }
        return globs;
    }

    static bool anyMatches(const QList<GlobPattern> &globs, const QString &text)
    {
        for (const GlobPattern &glob : globs) {
            if (glob.matches(text))
                return true;
        }
        return false;
    }

    QStringList m_actions;
    bool m_allActions = false;
    bool m_valid = true;
    QList<GlobPattern> m_repositories;
    QList<GlobPattern> m_tags;
    QList<GlobPattern> m_mediaTypes;
};

void checkFilter(const WebhookFilter &filter, const ExpectedFilter &expected, const RegistryEvent &event)
{
    const FilterVerdict verdict = filter.evaluate(event);
    const auto what = [&] {
        return QStringLiteral("event %1 %2:%3 (%4); verdict: %5")
            .arg(event.action, event.repository, event.tag, event.mediaType, verdict.reason);
    };
    FUZZ_CHECK(verdict.matched == expected.matches(event), what());
    FUZZ_CHECK(verdict.matched == verdict.reason.isEmpty(), what());
    if (!expected.valid())
        FUZZ_CHECK(verdict.reason.startsWith(QStringLiteral("the webhook's filter is invalid: ")), what());
}

QList<RegistryEvent> loadSampleEvents()
{
    QList<RegistryEvent> events;
    const QDir dir(QStringLiteral(TIDINGS_TEST_DATA_DIR));
    const QStringList names = dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &name : names) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const EnvelopeParseResult result = EnvelopeParser::parse(
            file.readAll(), QByteArrayLiteral("application/vnd.docker.distribution.events.v1+json"),
            QDateTime::currentDateTimeUtc());
        events.append(result.events);
    }
    if (events.isEmpty()) {
        std::fprintf(stderr, "fuzz_filter: no sample events in %s\n", TIDINGS_TEST_DATA_DIR);
        std::abort();
    }
    return events;
}

QStringList items(const QString &line)
{
    return line.isEmpty() ? QStringList() : line.split(u'|');
}

QString rawUtf16(const QByteArray &bytes)
{
    QString text(bytes.size() / 2, Qt::Uninitialized);
    std::memcpy(text.data(), bytes.constData(), size_t(text.size()) * sizeof(char16_t));
    return text;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    fuzz::installQuietMessageHandler();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QList<RegistryEvent> samples = loadSampleEvents();

    const QByteArrayList raw = QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)).split('\n');
    const auto line = [&raw](qsizetype i) {
        return i < raw.size() ? QString::fromUtf8(raw.at(i)) : QString();
    };

    checkGlob(line(0), line(1));
    checkGlob(line(1), line(0));
    if (!raw.isEmpty())
        checkGlob(rawUtf16(raw.at(0)), raw.size() > 1 ? rawUtf16(raw.at(1)) : QString());

    WebhookConfig config;
    if (raw.size() > 2)
        config.actions = items(line(2)); // without the line, the default (push)
    config.repositoryGlobs = items(line(3));
    config.tagGlobs = items(line(4));
    config.mediaTypes = items(line(5));
    for (const QString &pattern : config.repositoryGlobs + config.tagGlobs + config.mediaTypes)
        checkGlob(pattern, line(7));

    RegistryEvent event;
    event.eventId = QStringLiteral("fuzz");
    event.action = line(6);
    event.repository = line(7);
    event.tag = line(8);
    event.mediaType = line(9);

    const WebhookFilter filter(config);
    const ExpectedFilter expected(config);
    FUZZ_CHECK(WebhookFilter::validate(config).isEmpty() == expected.valid(),
               WebhookFilter::validate(config));
    checkFilter(filter, expected, event);
    for (const RegistryEvent &sample : samples)
        checkFilter(filter, expected, sample);
    return 0;
}
