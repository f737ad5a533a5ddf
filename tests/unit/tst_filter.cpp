#include "intake/EnvelopeParser.h"
#include "routing/GlobPattern.h"
#include "routing/WebhookFilter.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTest>

namespace {

RegistryEvent sampleEvent(const QString &name)
{
    QFile file(QString::fromUtf8(TIDINGS_TEST_DATA_DIR) + u'/' + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open sample %s", qPrintable(file.fileName()));
    const EnvelopeParseResult result =
        EnvelopeParser::parse(file.readAll(), "application/vnd.docker.distribution.events.v1+json",
                              QDateTime::currentDateTimeUtc());
    if (!result.ok || result.events.size() != 1)
        qFatal("sample %s does not parse: %s", qPrintable(name), qPrintable(result.error));
    return result.events.constFirst();
}

RegistryEvent makeEvent(const QString &action, const QString &repository, const QString &tag,
                        const QString &mediaType)
{
    RegistryEvent event;
    event.eventId = QStringLiteral("e");
    event.action = action;
    event.repository = repository;
    event.tag = tag;
    event.mediaType = mediaType;
    return event;
}

const QString ociManifest = QStringLiteral("application/vnd.oci.image.manifest.v1+json");
const QString octetStream = QStringLiteral("application/octet-stream");

} // namespace

class TestFilter : public QObject
{
    Q_OBJECT

private slots:
    // --- GlobPattern ---

    void globMatches_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("matches");

        QTest::newRow("literal") << QStringLiteral("nginx") << QStringLiteral("nginx") << true;
        QTest::newRow("literal, longer text") << QStringLiteral("nginx") << QStringLiteral("nginx2") << false;
        QTest::newRow("literal, shorter text") << QStringLiteral("nginx") << QStringLiteral("ngin") << false;
        QTest::newRow("case-sensitive") << QStringLiteral("nginx") << QStringLiteral("NGINX") << false;
        QTest::newRow("empty matches empty") << QString() << QString() << true;
        QTest::newRow("empty matches nothing else") << QString() << QStringLiteral("a") << false;
        QTest::newRow("star alone") << QStringLiteral("*") << QStringLiteral("team/app/sub") << true;
        QTest::newRow("star matches empty") << QStringLiteral("*") << QString() << true;
        QTest::newRow("star crosses slash") << QStringLiteral("team/*") << QStringLiteral("team/a/b") << true;
        QTest::newRow("star needs prefix") << QStringLiteral("team/*") << QStringLiteral("teams/a") << false;
        QTest::newRow("star in the middle")
            << QStringLiteral("team/*/app") << QStringLiteral("team/x/y/app") << true;
        QTest::newRow("star in the middle, wrong end")
            << QStringLiteral("team/*/app") << QStringLiteral("team/x/apps") << false;
        QTest::newRow("prefix and suffix")
            << QStringLiteral("v*-alpine") << QStringLiteral("v1.23-alpine") << true;
        QTest::newRow("star backtracks") << QStringLiteral("*ab") << QStringLiteral("aab") << true;
        QTest::newRow("two stars") << QStringLiteral("*a*b") << QStringLiteral("xxaxxbxxb") << true;
        QTest::newRow("two stars, no b at end")
            << QStringLiteral("*a*b") << QStringLiteral("xxaxxbx") << false;
        QTest::newRow("double star same as one") << QStringLiteral("a**b") << QStringLiteral("axyzb") << true;
        QTest::newRow("question mark") << QStringLiteral("v?") << QStringLiteral("v1") << true;
        QTest::newRow("question mark needs a character")
            << QStringLiteral("v?") << QStringLiteral("v") << false;
        QTest::newRow("question mark is one character")
            << QStringLiteral("v?") << QStringLiteral("v10") << false;
        QTest::newRow("question mark matches slash")
            << QStringLiteral("a?b") << QStringLiteral("a/b") << true;
        QTest::newRow("question mark, astral character")
            << QStringLiteral("a?b") << QStringLiteral("a😀b") << true;
        QTest::newRow("class") << QStringLiteral("v[123]") << QStringLiteral("v2") << true;
        QTest::newRow("class, miss") << QStringLiteral("v[123]") << QStringLiteral("v4") << false;
        QTest::newRow("range") << QStringLiteral("v[0-9].*") << QStringLiteral("v7.1") << true;
        QTest::newRow("range, miss") << QStringLiteral("v[0-9].*") << QStringLiteral("vx.1") << false;
        QTest::newRow("two ranges") << QStringLiteral("[a-cx-z]") << QStringLiteral("y") << true;
        QTest::newRow("negated") << QStringLiteral("[!a-c]*") << QStringLiteral("dev") << true;
        QTest::newRow("negated, miss") << QStringLiteral("[!a-c]*") << QStringLiteral("beta") << false;
        QTest::newRow("caret negates too") << QStringLiteral("[^a]") << QStringLiteral("b") << true;
        QTest::newRow("bracket first in class") << QStringLiteral("[]x]") << QStringLiteral("]") << true;
        QTest::newRow("dash last in class") << QStringLiteral("[a-]") << QStringLiteral("-") << true;
        QTest::newRow("dash first in class") << QStringLiteral("[-a]") << QStringLiteral("-") << true;
        QTest::newRow("escaped star") << QStringLiteral("a\\*") << QStringLiteral("a*") << true;
        QTest::newRow("escaped star is literal") << QStringLiteral("a\\*") << QStringLiteral("ab") << false;
        QTest::newRow("escaped question mark") << QStringLiteral("\\?") << QStringLiteral("?") << true;
        QTest::newRow("escaped bracket") << QStringLiteral("\\[x]") << QStringLiteral("[x]") << true;
        QTest::newRow("escape in class") << QStringLiteral("[\\]]") << QStringLiteral("]") << true;
        QTest::newRow("escaped backslash") << QStringLiteral("a\\\\b") << QStringLiteral("a\\b") << true;
        QTest::newRow("dot is literal") << QStringLiteral("v1.0") << QStringLiteral("v1x0") << false;
        QTest::newRow("plus is literal") << QStringLiteral("*+json") << ociManifest << true;
        QTest::newRow("non-ASCII") << QStringLiteral("équipe/*") << QStringLiteral("équipe/画像") << true;
    }

    void globMatches()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, text);
        QFETCH(bool, matches);

        const GlobPattern glob(pattern);
        QVERIFY2(glob.isValid(), qPrintable(glob.errorString()));
        QCOMPARE(glob.pattern(), pattern);
        QCOMPARE(glob.matches(text), matches);
    }

    void globInvalid_data()
    {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("error");

        QTest::newRow("unterminated class")
            << QStringLiteral("team/[ab")
            << QStringLiteral("the character class \"[\" at position 6 is not closed with \"]\"");
        QTest::newRow("lone bracket")
            << QStringLiteral("[")
            << QStringLiteral("the character class \"[\" at position 1 is not closed with \"]\"");
        QTest::newRow("empty class is not closed")
            << QStringLiteral("[]")
            << QStringLiteral("the character class \"[\" at position 1 is not closed with \"]\"");
        QTest::newRow("negated empty class")
            << QStringLiteral("x[!]")
            << QStringLiteral("the character class \"[\" at position 2 is not closed with \"]\"");
        QTest::newRow("escape at end of class")
            << QStringLiteral("[a\\")
            << QStringLiteral("the character class \"[\" at position 1 is not closed with \"]\"");
        QTest::newRow("reversed range")
            << QStringLiteral("v[9-0]")
            << QStringLiteral("the character range \"9-0\" at position 2 is reversed");
        QTest::newRow("trailing backslash")
            << QStringLiteral("tag\\")
            << QStringLiteral("the pattern ends with a lone backslash (escape of nothing)");
    }

    void globInvalid()
    {
        QFETCH(QString, pattern);
        QFETCH(QString, error);

        const GlobPattern glob(pattern);
        QVERIFY(!glob.isValid());
        QCOMPARE(glob.errorString(), error);
        QString reported;
        QVERIFY(!GlobPattern::isValidPattern(pattern, &reported));
        QCOMPARE(reported, error);
        QVERIFY(GlobPattern::isValidPattern(QStringLiteral("team/*"), &reported));
        QVERIFY(reported.isEmpty());
        // An invalid pattern matches nothing, not even what its prefix would suggest.
        QVERIFY(!glob.matches(pattern));
        QVERIFY(!glob.matches(QString()));
    }

    void globPathological()
    {
        // A backtracking matcher takes exponential time here; this one is bounded by pattern x text.
        const GlobPattern glob(QStringLiteral("a*a*a*a*a*a*a*b"));
        const QString text(100000, u'a');
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!glob.matches(text));
        QVERIFY(glob.matches(QString(text + u'b')));
        QVERIFY(!GlobPattern(QStringLiteral("*a*a*a*a*a*a*a*a*a*a*a*a*c")).matches(text));
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
    }

    // --- WebhookFilter on the real registry samples ---

    void samples_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("actions");
        QTest::addColumn<bool>("matched");
        QTest::addColumn<QString>("reason");

        const QStringList defaults = WebhookConfig().actions;
        const QStringList deletes{QStringLiteral("delete")};
        const QString blobReason =
            QStringLiteral("media type \"application/octet-stream\" is not an image manifest or index");

        QTest::newRow("01 blob push, default webhook")
            << QStringLiteral("01-push-blob.json") << defaults << false << blobReason;
        QTest::newRow("02 blob push, default webhook")
            << QStringLiteral("02-push-blob.json") << defaults << false << blobReason;
        QTest::newRow("03 manifest push, default webhook")
            << QStringLiteral("03-push-manifest.json") << defaults << true << QString();
        QTest::newRow("04 manifest pull, default webhook")
            << QStringLiteral("04-pull-manifest.json") << defaults << false
            << QStringLiteral("action \"pull\" is not in [push]");
        QTest::newRow("05 blob pull, pull webhook")
            << QStringLiteral("05-pull-blob.json") << QStringList{QStringLiteral("pull")} << false
            << blobReason;
        QTest::newRow("06 manifest pull, pull webhook")
            << QStringLiteral("06-pull-manifest.json") << QStringList{QStringLiteral("pull")} << true
            << QString();
        QTest::newRow("07 delete by digest, delete webhook")
            << QStringLiteral("07-delete-digest.json") << deletes << true << QString();
        QTest::newRow("08 delete by tag, delete webhook")
            << QStringLiteral("08-delete-tag.json") << deletes << true << QString();
        QTest::newRow("08 delete by tag, default webhook")
            << QStringLiteral("08-delete-tag.json") << defaults << false
            << QStringLiteral("action \"delete\" is not in [push]");
        QTest::newRow("03 manifest push, delete webhook")
            << QStringLiteral("03-push-manifest.json") << deletes << false
            << QStringLiteral("action \"push\" is not in [delete]");
        QTest::newRow("03 manifest push, push and delete")
            << QStringLiteral("03-push-manifest.json")
            << QStringList{QStringLiteral("delete"), QStringLiteral("push")} << true << QString();
        QTest::newRow("04 pull, all actions") << QStringLiteral("04-pull-manifest.json")
                                              << QStringList{QStringLiteral("*")} << true << QString();
        QTest::newRow("01 blob push, all actions still filters media types")
            << QStringLiteral("01-push-blob.json") << QStringList{QStringLiteral("*")} << false << blobReason;
    }

    void samples()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, actions);
        QFETCH(bool, matched);
        QFETCH(QString, reason);

        WebhookConfig webhook;
        webhook.actions = actions;
        const WebhookFilter filter(webhook);
        const RegistryEvent event = sampleEvent(file);
        const FilterVerdict verdict = filter.evaluate(event);
        QCOMPARE(verdict.matched, matched);
        QCOMPARE(verdict.reason, reason);
        QCOMPARE(filter.matches(event), matched);
    }

    void deletesWithTagAndRepositoryFilters()
    {
        // A tag delete carries a repository and a tag but no media type: tag and repository filters apply to
        // it and the media-type filter lets it through.
        WebhookConfig webhook;
        webhook.actions = {QStringLiteral("delete")};
        webhook.repositoryGlobs = {QStringLiteral("ngin?")};
        webhook.tagGlobs = {QStringLiteral("1.*")};
        webhook.mediaTypes = {QStringLiteral("application/vnd.oci.image.manifest.v1+json")};
        const WebhookFilter filter(webhook);
        QVERIFY(filter.matches(sampleEvent(QStringLiteral("08-delete-tag.json"))));
        // A delete by digest has no tag, so a tag filter excludes it.
        const FilterVerdict verdict = filter.evaluate(sampleEvent(QStringLiteral("07-delete-digest.json")));
        QVERIFY(!verdict.matched);
        QCOMPARE(verdict.reason, QStringLiteral("event has no tag but the webhook filters tags"));
    }

    // --- WebhookFilter semantics and every reason ---

    void evaluate_data()
    {
        QTest::addColumn<QStringList>("actions");
        QTest::addColumn<QStringList>("repositoryGlobs");
        QTest::addColumn<QStringList>("tagGlobs");
        QTest::addColumn<QStringList>("mediaTypes");
        QTest::addColumn<RegistryEvent>("event");
        QTest::addColumn<QString>("reason"); // empty: matched

        const QStringList push{QStringLiteral("push")};
        const QStringList none;
        const RegistryEvent manifest = makeEvent(QStringLiteral("push"), QStringLiteral("team/app"),
                                                 QStringLiteral("v1.2"), ociManifest);
        const RegistryEvent untagged =
            makeEvent(QStringLiteral("push"), QStringLiteral("team/app"), QString(), ociManifest);

        // actions
        QTest::newRow("empty actions mean push") << none << none << none << none << manifest << QString();
        QTest::newRow("empty actions mean only push")
            << none << none << none << none
            << makeEvent(QStringLiteral("pull"), QStringLiteral("r"), QString(), ociManifest)
            << QStringLiteral("action \"pull\" is not in [push]");
        QTest::newRow("actions case-insensitive")
            << QStringList{QStringLiteral(" PUSH ")} << none << none << none << manifest << QString();
        QTest::newRow("event action case-insensitive")
            << push << none << none << none
            << makeEvent(QStringLiteral("Push"), QStringLiteral("r"), QString(), ociManifest) << QString();
        QTest::newRow("unknown action listed")
            << QStringList{QStringLiteral("mount")} << none << none << none
            << makeEvent(QStringLiteral("mount"), QStringLiteral("r"), QString(), ociManifest) << QString();
        QTest::newRow("several actions in the reason")
            << QStringList{QStringLiteral("push"), QStringLiteral("delete")} << none << none << none
            << makeEvent(QStringLiteral("mount"), QStringLiteral("r"), QString(), ociManifest)
            << QStringLiteral("action \"mount\" is not in [push, delete]");

        // repositories
        QTest::newRow("repository glob")
            << push << QStringList{QStringLiteral("team/*")} << none << none << manifest << QString();
        QTest::newRow("repository second glob")
            << push << QStringList{QStringLiteral("other/*"), QStringLiteral("team/ap?")} << none << none
            << manifest << QString();
        QTest::newRow("repository miss")
            << push << QStringList{QStringLiteral("other/*"), QStringLiteral("base")} << none << none
            << manifest << QStringLiteral("repository \"team/app\" matches none of [other/*, base]");
        QTest::newRow("repository is case-sensitive")
            << push << QStringList{QStringLiteral("Team/*")} << none << none << manifest
            << QStringLiteral("repository \"team/app\" matches none of [Team/*]");

        // tags
        QTest::newRow("tag glob") << push << none << QStringList{QStringLiteral("v[0-9]*")} << none
                                  << manifest << QString();
        QTest::newRow("tag miss") << push << none
                                  << QStringList{QStringLiteral("latest"), QStringLiteral("prod-*")} << none
                                  << manifest
                                  << QStringLiteral("tag \"v1.2\" matches none of [latest, prod-*]");
        QTest::newRow("no tag filter passes untagged")
            << push << none << none << none << untagged << QString();
        QTest::newRow("tag filter rejects untagged")
            << push << none << QStringList{QStringLiteral("*")} << none << untagged
            << QStringLiteral("event has no tag but the webhook filters tags");

        // media types
        QTest::newRow("default media types: OCI index")
            << push << none << none << none
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QStringLiteral("v1"),
                         QStringLiteral("application/vnd.oci.image.index.v1+json"))
            << QString();
        QTest::newRow("default media types: Docker schema 2")
            << push << none << none << none
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QStringLiteral("v1"),
                         QStringLiteral("application/vnd.docker.distribution.manifest.v2+json"))
            << QString();
        QTest::newRow("default media types: compared case-insensitively")
            << push << none << none << none
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QStringLiteral("v1"),
                         QStringLiteral("application/vnd.OCI.image.manifest.v1+json"))
            << QString();
        QTest::newRow("default media types: layer")
            << push << none << none << none
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QString(),
                         QStringLiteral("application/vnd.oci.image.layer.v1.tar+gzip"))
            << QStringLiteral(
                   "media type \"application/vnd.oci.image.layer.v1.tar+gzip\" is not an image manifest or "
                   "index");
        QTest::newRow("no media type passes")
            << push << none << none << none
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QString(), QString()) << QString();
        QTest::newRow("all media types")
            << push << none << none << QStringList{QStringLiteral("*")}
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QString(), octetStream) << QString();
        QTest::newRow("media type glob")
            << push << none << none << QStringList{QStringLiteral("application/vnd.oci.*")}
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QString(),
                         QStringLiteral("application/vnd.oci.image.layer.v1.tar"))
            << QString();
        QTest::newRow("custom media types miss")
            << push << none << none
            << QStringList{QStringLiteral("application/vnd.oci.*"), QStringLiteral("text/*")}
            << makeEvent(QStringLiteral("push"), QStringLiteral("r"), QString(), octetStream)
            << QStringLiteral(
                   "media type \"application/octet-stream\" matches none of [application/vnd.oci.*, text/*]");

        // order: the first failing criterion is the one reported
        QTest::newRow("action reported before repository")
            << QStringList{QStringLiteral("delete")} << QStringList{QStringLiteral("x")} << none << none
            << manifest << QStringLiteral("action \"push\" is not in [delete]");
        QTest::newRow("repository reported before tag")
            << push << QStringList{QStringLiteral("x")} << QStringList{QStringLiteral("y")} << none
            << manifest << QStringLiteral("repository \"team/app\" matches none of [x]");

        // invalid configuration fails closed
        QTest::newRow("invalid repository glob")
            << push << QStringList{QStringLiteral("team/*"), QStringLiteral("team/[a")} << none << none
            << manifest
            << QStringLiteral(
                   "the webhook's filter is invalid: repository pattern \"team/[a\" is invalid: the "
                   "character class \"[\" at position 6 is not closed with \"]\"");
    }

    void evaluate()
    {
        QFETCH(QStringList, actions);
        QFETCH(QStringList, repositoryGlobs);
        QFETCH(QStringList, tagGlobs);
        QFETCH(QStringList, mediaTypes);
        QFETCH(RegistryEvent, event);
        QFETCH(QString, reason);

        WebhookConfig webhook;
        webhook.actions = actions;
        webhook.repositoryGlobs = repositoryGlobs;
        webhook.tagGlobs = tagGlobs;
        webhook.mediaTypes = mediaTypes;
        const WebhookFilter filter(webhook);
        const FilterVerdict verdict = filter.evaluate(event);
        QCOMPARE(verdict.reason, reason);
        QCOMPARE(verdict.matched, reason.isEmpty());
        QCOMPARE(filter.matches(event), reason.isEmpty());
    }

    void defaultMediaTypes()
    {
        const QStringList &types = WebhookFilter::defaultMediaTypes();
        QCOMPARE(types.size(), 6);
        QVERIFY(types.contains(QStringLiteral("application/vnd.docker.distribution.manifest.v2+json")));
        QVERIFY(types.contains(QStringLiteral("application/vnd.docker.distribution.manifest.list.v2+json")));
        QVERIFY(types.contains(QStringLiteral("application/vnd.docker.distribution.manifest.v1+json")));
        QVERIFY(types.contains(QStringLiteral("application/vnd.docker.distribution.manifest.v1+prettyjws")));
        QVERIFY(types.contains(QStringLiteral("application/vnd.oci.image.manifest.v1+json")));
        QVERIFY(types.contains(QStringLiteral("application/vnd.oci.image.index.v1+json")));
        QVERIFY(!types.contains(octetStream));
    }

    void validate_data()
    {
        QTest::addColumn<QStringList>("actions");
        QTest::addColumn<QStringList>("repositoryGlobs");
        QTest::addColumn<QStringList>("tagGlobs");
        QTest::addColumn<QStringList>("mediaTypes");
        QTest::addColumn<QString>("error");

        const QStringList push{QStringLiteral("push")};
        const QStringList none;
        QTest::newRow("defaults") << push << none << none << none << QString();
        QTest::newRow("all valid") << QStringList{QStringLiteral("*")}
                                   << QStringList{QStringLiteral("team/[a-z]*")}
                                   << QStringList{QStringLiteral("v?.*")} << QStringList{QStringLiteral("*")}
                                   << QString();
        QTest::newRow("empty action") << QStringList{QStringLiteral("push"), QStringLiteral(" ")} << none
                                      << none << none << QStringLiteral("an action is empty");
        QTest::newRow("bad repository")
            << push << QStringList{QStringLiteral("ok"), QStringLiteral("[")} << none << none
            << QStringLiteral("repository pattern \"[\" is invalid: the character class "
                              "\"[\" at position 1 is not closed with \"]\"");
        QTest::newRow("empty repository") << push << QStringList{QString()} << none << none
                                          << QStringLiteral("a repository pattern is empty");
        QTest::newRow("bad tag") << push << none << QStringList{QStringLiteral("v[9-1]")} << none
                                 << QStringLiteral(
                                        "tag pattern \"v[9-1]\" is invalid: the character range \"9-1\" at "
                                        "position 2 is reversed");
        QTest::newRow("bad media type")
            << push << none << none << QStringList{QStringLiteral("application/\\")}
            << QStringLiteral("media type pattern \"application/\\\" is invalid: the "
                              "pattern ends with a lone backslash (escape of nothing)");
        QTest::newRow("empty media type") << push << none << none << QStringList{QString()}
                                          << QStringLiteral("a media type pattern is empty");
    }

    void validate()
    {
        QFETCH(QStringList, actions);
        QFETCH(QStringList, repositoryGlobs);
        QFETCH(QStringList, tagGlobs);
        QFETCH(QStringList, mediaTypes);
        QFETCH(QString, error);

        WebhookConfig webhook;
        webhook.actions = actions;
        webhook.repositoryGlobs = repositoryGlobs;
        webhook.tagGlobs = tagGlobs;
        webhook.mediaTypes = mediaTypes;
        QCOMPARE(WebhookFilter::validate(webhook), error);
        // A webhook that fails validation matches nothing rather than more than was asked for.
        if (!error.isEmpty()) {
            const RegistryEvent event = sampleEvent(QStringLiteral("03-push-manifest.json"));
            const FilterVerdict verdict = WebhookFilter(webhook).evaluate(event);
            QVERIFY(!verdict.matched);
            QCOMPARE(verdict.reason, QStringLiteral("the webhook's filter is invalid: ") + error);
        }
    }
};

QTEST_APPLESS_MAIN(TestFilter)
#include "tst_filter.moc"
