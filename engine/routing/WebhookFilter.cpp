#include "WebhookFilter.h"

namespace {

QList<GlobPattern> compileAll(const QStringList &patterns)
{
    QList<GlobPattern> globs;
    globs.reserve(patterns.size());
    for (const QString &pattern : patterns)
        globs.append(GlobPattern(pattern));
    return globs;
}

bool matchesAny(const QList<GlobPattern> &globs, QStringView text)
{
    for (const GlobPattern &glob : globs) {
        if (glob.matches(text))
            return true;
    }
    return false;
}

QStringList patternsOf(const QList<GlobPattern> &globs)
{
    QStringList patterns;
    patterns.reserve(globs.size());
    for (const GlobPattern &glob : globs)
        patterns.append(glob.pattern());
    return patterns;
}

QStringList normalizedActions(const QStringList &actions)
{
    QStringList result;
    for (const QString &action : actions) {
        const QString trimmed = action.trimmed().toLower();
        if (!trimmed.isEmpty())
            result.append(trimmed);
    }
    if (result.isEmpty())
        result.append(QStringLiteral("push"));
    return result;
}

QStringList lowerCased(const QStringList &items)
{
    QStringList result;
    result.reserve(items.size());
    for (const QString &item : items)
        result.append(item.toLower());
    return result;
}

// The first problem among compiled patterns, named with the pattern as the user wrote it.
QString firstPatternError(const QList<GlobPattern> &globs, const QStringList &written, const QString &what)
{
    for (qsizetype i = 0; i < globs.size(); ++i) {
        if (written.at(i).isEmpty())
            return QStringLiteral("a %1 pattern is empty").arg(what);
        if (!globs.at(i).isValid()) {
            return QStringLiteral("%1 pattern \"%2\" is invalid: %3")
                .arg(what, written.at(i), globs.at(i).errorString());
        }
    }
    return {};
}

} // namespace

WebhookFilter::WebhookFilter(const WebhookConfig &webhook)
{
    m_actions = normalizedActions(webhook.actions);
    m_allActions = m_actions.contains(QStringLiteral("*"));
    m_repositoryGlobs = compileAll(webhook.repositoryGlobs);
    m_tagGlobs = compileAll(webhook.tagGlobs);
    m_defaultMediaTypes = webhook.mediaTypes.isEmpty();
    m_mediaTypePatterns = m_defaultMediaTypes ? defaultMediaTypes() : webhook.mediaTypes;
    m_mediaTypeGlobs = compileAll(lowerCased(m_mediaTypePatterns));

    for (const QString &action : webhook.actions) {
        if (action.trimmed().isEmpty()) {
            m_configError = QStringLiteral("an action is empty");
            return;
        }
    }
    m_configError =
        firstPatternError(m_repositoryGlobs, webhook.repositoryGlobs, QStringLiteral("repository"));
    if (m_configError.isEmpty())
        m_configError = firstPatternError(m_tagGlobs, webhook.tagGlobs, QStringLiteral("tag"));
    if (m_configError.isEmpty())
        m_configError =
            firstPatternError(m_mediaTypeGlobs, m_mediaTypePatterns, QStringLiteral("media type"));
}

const QStringList &WebhookFilter::defaultMediaTypes()
{
    // What a person means by "an image was pushed": manifests and indexes, Docker and OCI flavours. Blob
    // uploads (layers, configs) are left out; one image push produces several of them.
    static const QStringList types{
        QStringLiteral("application/vnd.docker.distribution.manifest.v2+json"),
        QStringLiteral("application/vnd.docker.distribution.manifest.list.v2+json"),
        QStringLiteral("application/vnd.docker.distribution.manifest.v1+json"),
        QStringLiteral("application/vnd.docker.distribution.manifest.v1+prettyjws"),
        QStringLiteral("application/vnd.oci.image.manifest.v1+json"),
        QStringLiteral("application/vnd.oci.image.index.v1+json"),
    };
    return types;
}

const QStringList &WebhookFilter::knownActions()
{
    static const QStringList actions{
        QStringLiteral("push"),         QStringLiteral("pull"),           QStringLiteral("mount"),
        QStringLiteral("delete"),       QStringLiteral("scan_completed"), QStringLiteral("scan_failed"),
        QStringLiteral("scan_stopped"), QStringLiteral("quota_exceeded"), QStringLiteral("quota_warning"),
    };
    return actions;
}

bool WebhookFilter::isAcceptedAction(const QString &action)
{
    const QString lower = action.trimmed().toLower();
    return lower == QLatin1StringView("*") || knownActions().contains(lower) ||
           (lower.contains(u'.') && !lower.startsWith(u'.') && !lower.endsWith(u'.'));
}

QString WebhookFilter::validate(const WebhookConfig &webhook)
{
    return WebhookFilter(webhook).m_configError;
}

QString WebhookFilter::describeList(const QStringList &items)
{
    return u'[' + items.join(QStringLiteral(", ")) + u']';
}

FilterVerdict WebhookFilter::evaluate(const RegistryEvent &event) const
{
    FilterVerdict verdict;
    if (!m_configError.isEmpty()) {
        verdict.reason = QStringLiteral("the webhook's filter is invalid: %1").arg(m_configError);
        return verdict;
    }

    const QString action = event.action.toLower();
    if (!m_allActions && !m_actions.contains(action)) {
        verdict.reason =
            QStringLiteral("action \"%1\" is not in %2").arg(event.action, describeList(m_actions));
        return verdict;
    }

    if (!m_repositoryGlobs.isEmpty() && !matchesAny(m_repositoryGlobs, event.repository)) {
        verdict.reason = QStringLiteral("repository \"%1\" matches none of %2")
                             .arg(event.repository, describeList(patternsOf(m_repositoryGlobs)));
        return verdict;
    }

    if (!m_tagGlobs.isEmpty()) {
        if (event.tag.isEmpty()) {
            verdict.reason = QStringLiteral("event has no tag but the webhook filters tags");
            return verdict;
        }
        if (!matchesAny(m_tagGlobs, event.tag)) {
            verdict.reason = QStringLiteral("tag \"%1\" matches none of %2")
                                 .arg(event.tag, describeList(patternsOf(m_tagGlobs)));
            return verdict;
        }
    }

    if (!event.mediaType.isEmpty() && !matchesAny(m_mediaTypeGlobs, event.mediaType.toLower())) {
        if (m_defaultMediaTypes) {
            verdict.reason =
                QStringLiteral("media type \"%1\" is not an image manifest or index").arg(event.mediaType);
        } else {
            verdict.reason = QStringLiteral("media type \"%1\" matches none of %2")
                                 .arg(event.mediaType, describeList(m_mediaTypePatterns));
        }
        return verdict;
    }

    verdict.matched = true;
    return verdict;
}
