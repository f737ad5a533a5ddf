#pragma once

#include "model/RegistryEvent.h"
#include "model/WebhookConfig.h"
#include "routing/GlobPattern.h"

#include <QList>
#include <QString>
#include <QStringList>

// Whether an event goes to a webhook, and if not, why: the reason is shown in the delivery log and the
// "test this filter" preview, so it names the field, the event's value and the webhook's setting.
struct FilterVerdict
{
    bool matched = false;
    QString reason; // set when !matched
};

// A webhook's event selection, compiled once and evaluated for every incoming event.
//
// - actions: the event's action must be listed (case-insensitive); "*" means all; an empty list means
// ["push"].
// - repositoryGlobs: empty means all; otherwise the repository must match one.
// - tagGlobs: empty means all, tagless events included; otherwise the event needs a tag that matches one.
// - mediaTypes: empty means defaultMediaTypes() (image manifests and indexes); entries may be globs, "*" is
// all.
//   An event without a media type passes: deletes of tags and repositories carry none, and a webhook that
//   subscribes to deletes must see them.
//
// A webhook whose configuration contains an invalid pattern matches nothing (fails closed, with the reason),
// rather than silently ignoring the bad pattern and delivering more than the user asked for.
class WebhookFilter
{
public:
    explicit WebhookFilter(const WebhookConfig &webhook);

    FilterVerdict evaluate(const RegistryEvent &event) const;
    bool matches(const RegistryEvent &event) const { return evaluate(event).matched; }

    static const QStringList &defaultMediaTypes();

    // The actions events can have: the distribution registry's (push, pull, mount, delete) and Harbor's
    // (scan_completed, scan_failed, scan_stopped, quota_exceeded, quota_warning; its push, pull and delete
    // are the same words). A CloudEvent of another type has that type as its action.
    static const QStringList &knownActions();
    // For --actions and the editor: a known action, "*", or a CloudEvents type (it contains a '.'), so a
    // typo is refused instead of silently never matching.
    static bool isAcceptedAction(const QString &action);

    // For the CLI and the editor: an empty string when the filter settings are usable, else a message that
    // names the first bad setting.
    static QString validate(const WebhookConfig &webhook);

private:
    static QString describeList(const QStringList &items);

    bool m_allActions = false;
    QStringList m_actions; // lower case
    QList<GlobPattern> m_repositoryGlobs;
    QList<GlobPattern> m_tagGlobs;
    bool m_defaultMediaTypes = false;
    QList<GlobPattern> m_mediaTypeGlobs; // lower case: media types are case-insensitive (RFC 6838)
    QStringList m_mediaTypePatterns;     // as configured, for reasons
    QString m_configError;
};
