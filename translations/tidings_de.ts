<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>DashboardView</name>
    <message>
        <source>Attempts per minute by outcome (last hour)</source>
        <translation>Versuche pro Minute nach Ergebnis (letzte Stunde)</translation>
    </message>
    <message>
        <source>Latency per minute, p50 and p95 (last hour)</source>
        <translation>Latenz pro Minute, p50 und p95 (letzte Stunde)</translation>
    </message>
    <message>
        <source>Backlog since the console started</source>
        <translation>Rückstand seit dem Start der Konsole</translation>
    </message>
    <message>
        <source>Success rate per webhook (24 h)</source>
        <translation>Erfolgsquote pro Webhook (24 h)</translation>
    </message>
    <message>
        <source>2xx</source>
        <translation>2xx</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <source>p95</source>
        <translation>p95</translation>
    </message>
    <message>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <source>pending + in flight</source>
        <translation>wartend + in Zustellung</translation>
    </message>
    <message>
        <source>deliveries</source>
        <translation>Zustellungen</translation>
    </message>
    <message>
        <source>succeeded %</source>
        <translation>erfolgreich %</translation>
    </message>
</context>
<context>
    <name>DeliveriesView</name>
    <message>
        <source>All states</source>
        <translation>Alle Zustände</translation>
    </message>
    <message>
        <source>Pending</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>In flight</source>
        <translation>In Zustellung</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Repository or repository:tag (Ctrl+F)</source>
        <translation>Repository oder Repository:Tag (Strg+F)</translation>
    </message>
    <message>
        <source>HTTP: 500, 5xx, none</source>
        <translation>HTTP: 500, 5xx, none</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Beliebige Zeit</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Last 24 hours</source>
        <translation>Letzte 24 Stunden</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>&amp;Filter:</source>
        <translation>&amp;Filter:</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filter</translation>
    </message>
    <message>
        <source>Replay</source>
        <translation>Erneut senden</translation>
    </message>
    <message>
        <source>Copy as curl</source>
        <translation>Als curl kopieren</translation>
    </message>
    <message>
        <source>Cancel pending retries</source>
        <translation>Ausstehende Wiederholungen abbrechen</translation>
    </message>
    <message>
        <source>All webhooks</source>
        <translation>Alle Webhooks</translation>
    </message>
    <message>
        <source>Use a status (500), a class (5xx) or &quot;none&quot;</source>
        <translation>Einen Status (500), eine Klasse (5xx) oder „none“ angeben</translation>
    </message>
    <message>
        <source>Replay &amp;all failed…</source>
        <translation>&amp;Alle fehlgeschlagenen erneut senden…</translation>
    </message>
    <message>
        <source>Replay every failed delivery this view shows (Ctrl+Shift+R)</source>
        <translation>Jede fehlgeschlagene Zustellung dieser Ansicht erneut senden (Strg+Umschalt+R)</translation>
    </message>
    <message>
        <source>Replay all failed in this view</source>
        <translation>Alle fehlgeschlagenen dieser Ansicht erneut senden</translation>
    </message>
    <message numerus="yes">
        <source>Replaying %n failed delivery(ies).</source>
        <translation>
            <numerusform>%n fehlgeschlagene Zustellung wird erneut gesendet.</numerusform>
            <numerusform>%n fehlgeschlagene Zustellungen werden erneut gesendet.</numerusform>
        </translation>
    </message>
    <message>
        <source>No failed deliveries in this view.</source>
        <translation>Keine fehlgeschlagenen Zustellungen in dieser Ansicht.</translation>
    </message>
    <message>
        <source>Replay failed deliveries</source>
        <translation>Fehlgeschlagene Zustellungen erneut senden</translation>
    </message>
    <message numerus="yes">
        <source>Replay %n failed delivery(ies) shown by the current filters?</source>
        <translation>
            <numerusform>Die %n fehlgeschlagene Zustellung der aktuellen Filter erneut senden?</numerusform>
            <numerusform>Die %n fehlgeschlagenen Zustellungen der aktuellen Filter erneut senden?</numerusform>
        </translation>
    </message>
    <message>
        <source>Replaying failed deliveries…</source>
        <translation>Fehlgeschlagene Zustellungen werden erneut gesendet…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancelled: %1 of %2 failed deliveries replayed.</source>
        <translation>Abgebrochen: %1 von %2 fehlgeschlagenen Zustellungen erneut gesendet.</translation>
    </message>
    <message>
        <source>Replay to another URL or with edited payload…</source>
        <translation>An andere URL oder mit bearbeiteten Nutzdaten erneut senden…</translation>
    </message>
</context>
<context>
    <name>DeliveryDetailPane</name>
    <message>
        <source>&amp;Replay</source>
        <translation>E&amp;rneut senden</translation>
    </message>
    <message>
        <source>Send this delivery again as a new series of attempts (Ctrl+R)</source>
        <translation>Diese Zustellung als neue Versuchsreihe erneut senden (Strg+R)</translation>
    </message>
    <message>
        <source>Copy as c&amp;url</source>
        <translation>Als c&amp;url kopieren</translation>
    </message>
    <message>
        <source>Copy the shown attempt&apos;s request as a curl command (Ctrl+Shift+C)</source>
        <translation>Die Anfrage des angezeigten Versuchs als curl-Befehl kopieren (Strg+Umschalt+C)</translation>
    </message>
    <message>
        <source>Cancel pending retries</source>
        <translation>Ausstehende Wiederholungen abbrechen</translation>
    </message>
    <message>
        <source>Stop retrying this delivery (Ctrl+K)</source>
        <translation>Diese Zustellung nicht mehr wiederholen (Strg+K)</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>Anfrage</translation>
    </message>
    <message>
        <source>Response</source>
        <translation>Antwort</translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <translation>HTTP %1</translation>
    </message>
    <message>
        <source>no response (%1)</source>
        <translation>keine Antwort (%1)</translation>
    </message>
    <message>
        <source>#%1  %2  %3  %4 ms</source>
        <translation>#%1  %2  %3  %4 ms</translation>
    </message>
    <message>
        <source>  (replay)</source>
        <translation>  (erneut gesendet)</translation>
    </message>
    <message>
        <source>Delivery %1 no longer exists.</source>
        <translation>Zustellung %1 existiert nicht mehr.</translation>
    </message>
    <message>
        <source>Select a delivery to see its attempts.</source>
        <translation>Eine Zustellung auswählen, um ihre Versuche zu sehen.</translation>
    </message>
    <message>
        <source>, next attempt at %1</source>
        <translation>, nächster Versuch um %1</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;Delivery %1&lt;/b&gt; of %2 %3%4 to &lt;b&gt;%5&lt;/b&gt;: %6 after %n attempt(s)%7</source>
        <translation>
            <numerusform>&lt;b&gt;Zustellung %1&lt;/b&gt; von %2 %3%4 an &lt;b&gt;%5&lt;/b&gt;: %6 nach %n Versuch%7</numerusform>
            <numerusform>&lt;b&gt;Zustellung %1&lt;/b&gt; von %2 %3%4 an &lt;b&gt;%5&lt;/b&gt;: %6 nach %n Versuchen%7</numerusform>
        </translation>
    </message>
    <message>
        <source>No attempt yet.</source>
        <translation>Noch kein Versuch.</translation>
    </message>
    <message>
        <source>HTTP %1 after %2 ms</source>
        <translation>HTTP %1 nach %2 ms</translation>
    </message>
    <message>
        <source>No response after %1 ms.
Error class: %2
%3</source>
        <translation>Keine Antwort nach %1 ms.
Fehlerklasse: %2
%3</translation>
    </message>
    <message>
        <source>Replay to another URL or with edited &amp;payload…</source>
        <translation>An andere URL oder mit bearbeiteten &amp;Nutzdaten erneut senden…</translation>
    </message>
    <message>
        <source>Send one attempt now to another URL and/or with an edited payload; the timeline records what changed (Ctrl+Shift+E)</source>
        <translation>Jetzt einen Versuch an eine andere URL und/oder mit bearbeiteten Nutzdaten senden; der Verlauf hält fest, was geändert wurde (Strg+Umschalt+E)</translation>
    </message>
    <message>
        <source>replayed to %1</source>
        <translation>erneut gesendet an %1</translation>
    </message>
    <message>
        <source>payload edited</source>
        <translation>Nutzdaten bearbeitet</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Replay with an override: %1</source>
        <translation>Erneut gesendet mit Änderung: %1</translation>
    </message>
    <message>
        <source>Webhook URL: %1</source>
        <translation>Webhook-URL: %1</translation>
    </message>
    <message>
        <source>Original payload SHA-256: %1</source>
        <translation>SHA-256 der ursprünglichen Nutzdaten: %1</translation>
    </message>
</context>
<context>
    <name>DeliveryLogModel</name>
    <message>
        <source>pending</source>
        <translation>wartend</translation>
    </message>
    <message>
        <source>in flight</source>
        <translation>in Zustellung</translation>
    </message>
    <message>
        <source>succeeded</source>
        <translation>erfolgreich</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>No HTTP answer: %1</source>
        <translation>Keine HTTP-Antwort: %1</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>%1 %2:%3</source>
        <translation>%1 %2:%3</translation>
    </message>
    <message>
        <source>%1 (replay)</source>
        <translation>%1 (erneut gesendet)</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Webhook</source>
        <translation>Webhook</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>Versuche</translation>
    </message>
    <message>
        <source>Last HTTP</source>
        <translation>Letzter HTTP-Status</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Next retry</source>
        <translation>Nächster Versuch</translation>
    </message>
</context>
<context>
    <name>DesktopNotifier</name>
    <message>
        <source>S&amp;how webhook</source>
        <translation>Webhoo&amp;k zeigen</translation>
    </message>
    <message>
        <source>Re-enab&amp;le…</source>
        <translation>Wieder e&amp;inschalten…</translation>
    </message>
    <message>
        <source>D&amp;ismiss</source>
        <translation>Sch&amp;ließen</translation>
    </message>
    <message>
        <source>Webhook %1 disabled</source>
        <translation>Webhook %1 deaktiviert</translation>
    </message>
    <message>
        <source>Tidings stopped sending to %1: %2. Re-enable it from the Dashboard.</source>
        <translation>Tidings sendet nicht mehr an %1: %2. In der Übersicht wieder einschalten.</translation>
    </message>
</context>
<context>
    <name>Engine</name>
    <message>
        <source>the engine is not running</source>
        <translation>die Engine läuft nicht</translation>
    </message>
</context>
<context>
    <name>EventListModel</name>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Target</source>
        <translation>Ziel</translation>
    </message>
    <message>
        <source>Registry</source>
        <translation>Registry</translation>
    </message>
</context>
<context>
    <name>EventsView</name>
    <message>
        <source>Webhooks:</source>
        <translation>Webhooks:</translation>
    </message>
    <message>
        <source>Raw event, as the registry sent it:</source>
        <translation>Rohes Ereignis, wie die Registry es gesendet hat:</translation>
    </message>
    <message>
        <source>Select an event to see where it went.</source>
        <translation>Ein Ereignis auswählen, um zu sehen, wohin es ging.</translation>
    </message>
    <message>
        <source>Event %1 from registry %2 (instance %3), by %4, received %5</source>
        <translation>Ereignis %1 von Registry %2 (Instanz %3), durch %4, empfangen %5</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>an anonymous client</source>
        <translation>einen anonymen Client</translation>
    </message>
    <message>
        <source>delivery %1, %2</source>
        <translation>Zustellung %1, %2</translation>
    </message>
    <message>
        <source>✓ %1: matched (%2)</source>
        <translation>✓ %1: passt (%2)</translation>
    </message>
    <message>
        <source>– %1: no delivery (the webhook matches now; it was added or changed after the event, or was disabled)</source>
        <translation>– %1: keine Zustellung (der Webhook passt jetzt; er wurde nach dem Ereignis angelegt oder geändert oder war deaktiviert)</translation>
    </message>
    <message>
        <source>✗ %1: excluded, %2</source>
        <translation>✗ %1: ausgeschlossen, %2</translation>
    </message>
    <message>
        <source>No webhooks yet.</source>
        <translation>Noch keine Webhooks.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Tidings</source>
        <translation>Tidings</translation>
    </message>
    <message>
        <source>Cannot open the database %1: %2</source>
        <translation>Die Datenbank %1 lässt sich nicht öffnen: %2</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>Problem</translation>
    </message>
    <message>
        <source>&amp;Deliveries</source>
        <translation>&amp;Zustellungen</translation>
    </message>
    <message>
        <source>&amp;Webhooks</source>
        <translation>&amp;Webhooks</translation>
    </message>
    <message>
        <source>E&amp;vents</source>
        <translation>E&amp;reignisse</translation>
    </message>
    <message>
        <source>Re&amp;ceiver</source>
        <translation>&amp;Empfänger</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>Ein&amp;stellungen</translation>
    </message>
    <message>
        <source>Starting the engine…</source>
        <translation>Die Engine startet…</translation>
    </message>
    <message>
        <source>The engine could not start: %1</source>
        <translation>Die Engine konnte nicht starten: %1</translation>
    </message>
    <message>
        <source>Webhook %1 disabled: %2</source>
        <translation>Webhook %1 deaktiviert: %2</translation>
    </message>
    <message>
        <source>Intake: %1</source>
        <translation>Eingang: %1</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>Datenbank: %1</translation>
    </message>
    <message>
        <source>Queue: %1 pending, %2 in flight</source>
        <translation>Warteschlange: %1 wartend, %2 in Zustellung</translation>
    </message>
    <message>
        <source>Dash&amp;board</source>
        <translation>Ü&amp;bersicht</translation>
    </message>
</context>
<context>
    <name>ReceiverServer</name>
    <message>
        <source>not checked: choose the webhook&apos;s secret to check signatures</source>
        <translation>nicht geprüft: das Geheimnis des Webhooks wählen, um Signaturen zu prüfen</translation>
    </message>
    <message>
        <source>not checked: the receiver&apos;s secret is not usable (%1)</source>
        <translation>nicht geprüft: das Geheimnis des Empfängers ist unbrauchbar (%1)</translation>
    </message>
    <message>
        <source>unsigned: the request has no webhook-signature header (the webhook has no secret)</source>
        <translation>unsigniert: die Anfrage hat keinen webhook-signature-Header (der Webhook hat kein Geheimnis)</translation>
    </message>
    <message>
        <source>valid: signed with this secret</source>
        <translation>gültig: mit diesem Geheimnis signiert</translation>
    </message>
    <message>
        <source>invalid: no signature matches; the webhook uses another secret, or the body or webhook-id changed on the way</source>
        <translation>ungültig: keine Signatur passt; der Webhook nutzt ein anderes Geheimnis, oder Body oder webhook-id wurden unterwegs verändert</translation>
    </message>
    <message>
        <source>invalid: webhook-timestamp %1 is %2 s away from now (tolerance %3 s); an old request replayed, or a clock is wrong</source>
        <translation>ungültig: webhook-timestamp %1 liegt %2 s von jetzt entfernt (Toleranz %3 s); eine alte Anfrage wurde wiederholt, oder eine Uhr geht falsch</translation>
    </message>
    <message>
        <source>invalid: the webhook-signature or webhook-timestamp header is malformed</source>
        <translation>ungültig: der Header webhook-signature oder webhook-timestamp ist fehlerhaft</translation>
    </message>
    <message>
        <source>valid: one of the %1 signatures was made with this secret (the sender is rotating its secret and signs with the new and the previous one)</source>
        <translation>gültig: eine der %1 Signaturen wurde mit diesem Geheimnis erstellt (der Absender wechselt sein Geheimnis und signiert mit dem neuen und dem bisherigen)</translation>
    </message>
</context>
<context>
    <name>ReceiverView</name>
    <message>
        <source>Start &amp;receiver</source>
        <translation>&amp;Empfänger starten</translation>
    </message>
    <message>
        <source>not running</source>
        <translation>läuft nicht</translation>
    </message>
    <message>
        <source>Copy URL</source>
        <translation>URL kopieren</translation>
    </message>
    <message>
        <source>&amp;Point a new webhook at it</source>
        <translation>Neuen Webhook &amp;hierher leiten</translation>
    </message>
    <message>
        <source>Answers and signature check</source>
        <translation>Antworten und Signaturprüfung</translation>
    </message>
    <message>
        <source>the webhook&apos;s whsec_ secret; empty: signatures are not checked</source>
        <translation>das whsec_-Geheimnis des Webhooks; leer: Signaturen werden nicht geprüft</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Secret:</source>
        <translation>Geheimnis:</translation>
    </message>
    <message>
        <source>after failing the first</source>
        <translation>nachdem die ersten</translation>
    </message>
    <message>
        <source>requests with</source>
        <translation>Anfragen scheitern mit</translation>
    </message>
    <message>
        <source>Answer with status:</source>
        <translation>Antworten mit Status:</translation>
    </message>
    <message>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <source>Delay:</source>
        <translation>Verzögerung:</translation>
    </message>
    <message>
        <source>seconds or an HTTP date, sent with failures</source>
        <translation>Sekunden oder ein HTTP-Datum, bei Fehlern gesendet</translation>
    </message>
    <message>
        <source>Retry-After:</source>
        <translation>Retry-After:</translation>
    </message>
    <message>
        <source>Never answer (the sender times out)</source>
        <translation>Nie antworten (der Sender läuft in ein Timeout)</translation>
    </message>
    <message>
        <source>Webhook &quot;%1&quot; now delivers here.</source>
        <translation>Webhook „%1“ liefert jetzt hierher.</translation>
    </message>
    <message>
        <source>Could not create the webhook: %1</source>
        <translation>Der Webhook konnte nicht angelegt werden: %1</translation>
    </message>
    <message>
        <source>The receiver could not listen on 127.0.0.1.</source>
        <translation>Der Empfänger konnte nicht auf 127.0.0.1 lauschen.</translation>
    </message>
    <message>
        <source>no answer</source>
        <translation>keine Antwort</translation>
    </message>
    <message>
        <source>#%1  %2  %3 %4  → %5  signature %6</source>
        <translation>#%1  %2  %3 %4  → %5  Signatur %6</translation>
    </message>
    <message>
        <source>valid</source>
        <translation>gültig</translation>
    </message>
    <message>
        <source>not checked</source>
        <translation>nicht geprüft</translation>
    </message>
    <message>
        <source>INVALID</source>
        <translation>UNGÜLTIG</translation>
    </message>
    <message>
        <source>Signature: %1
</source>
        <translation>Signatur: %1
</translation>
    </message>
    <message>
        <source>Answered %1 after %2 ms

</source>
        <translation>Beantwortet mit %1 nach %2 ms

</translation>
    </message>
    <message>
        <source>Not answered

</source>
        <translation>Nicht beantwortet

</translation>
    </message>
</context>
<context>
    <name>ReenableWebhookPanel</name>
    <message>
        <source>Disabled webhooks</source>
        <translation>Deaktivierte Webhooks</translation>
    </message>
    <message>
        <source>Webhoo&amp;k:</source>
        <translation>Webhoo&amp;k:</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Re-&amp;enable</source>
        <translation>Wieder e&amp;inschalten</translation>
    </message>
    <message>
        <source>Looking for what it missed…</source>
        <translation>Suche, was er verpasst hat…</translation>
    </message>
    <message>
        <source>failed (HTTP %1)</source>
        <translation>fehlgeschlagen (HTTP %1)</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>failed (%1)</source>
        <translation>fehlgeschlagen (%1)</translation>
    </message>
    <message>
        <source>pending, held while disabled</source>
        <translation>wartend, zurückgehalten während deaktiviert</translation>
    </message>
    <message>
        <source>not delivered, arrived while disabled</source>
        <translation>nicht zugestellt, kam während deaktiviert</translation>
    </message>
    <message>
        <source>Cannot tell what it missed: %1</source>
        <translation>Kann nicht feststellen, was er verpasst hat: %1</translation>
    </message>
    <message>
        <source>its last success at %1</source>
        <translation>seinem letzten Erfolg am %1</translation>
    </message>
    <message>
        <source>it was added (no success yet)</source>
        <translation>er angelegt wurde (noch kein Erfolg)</translation>
    </message>
    <message>
        <source>Missed since %1: %2 deliveries; %3 failed, %4 held while disabled, %5 events not delivered.</source>
        <translation>Verpasst seit %1: %2 Zustellungen; %3 fehlgeschlagen, %4 zurückgehalten, %5 Ereignisse nicht zugestellt.</translation>
    </message>
    <message>
        <source>The newest %1 are listed.</source>
        <translation>Die neuesten %1 sind aufgeführt.</translation>
    </message>
    <message>
        <source>Replay &amp;all missed (%1)</source>
        <translation>&amp;Alle verpassten erneut senden (%1)</translation>
    </message>
    <message>
        <source>Replay &amp;none: cancel the held ones (%1), send only new events</source>
        <translation>&amp;Keine erneut senden: die zurückgehaltenen abbrechen (%1), nur neue Ereignisse senden</translation>
    </message>
    <message>
        <source>Replay &amp;none: send only new events</source>
        <translation>&amp;Keine erneut senden: nur neue Ereignisse senden</translation>
    </message>
    <message>
        <source>Re-enabling %1…</source>
        <translation>%1 wird wieder eingeschaltet…</translation>
    </message>
    <message>
        <source>%1 was not re-enabled: %2</source>
        <translation>%1 wurde nicht wieder eingeschaltet: %2</translation>
    </message>
    <message>
        <source>%1 is enabled again; missed deliveries being sent: %2.</source>
        <translation>%1 ist wieder eingeschaltet; verpasste Zustellungen werden gesendet: %2.</translation>
    </message>
    <message>
        <source>%1 is enabled again; nothing it missed is sent (held deliveries cancelled: %2).</source>
        <translation>%1 ist wieder eingeschaltet; nichts Verpasstes wird gesendet (abgebrochene zurückgehaltene Zustellungen: %2).</translation>
    </message>
</context>
<context>
    <name>ReplayOverrideDialog</name>
    <message>
        <source>Replay delivery %1 to another URL or with an edited payload</source>
        <translation>Zustellung %1 an eine andere URL oder mit bearbeiteten Nutzdaten erneut senden</translation>
    </message>
    <message>
        <source>Sends one attempt now, signed with the webhook&apos;s secret over the body below, and records what was changed in the attempt timeline. It is not retried. It completes the delivery only when it reaches the webhook&apos;s own URL with a 2xx.</source>
        <translation>Sendet jetzt einen Versuch, mit dem Geheimnis des Webhooks über den Body unten signiert, und hält im Versuchsverlauf fest, was geändert wurde. Er wird nicht wiederholt. Er schließt die Zustellung nur ab, wenn er die eigene URL des Webhooks mit einem 2xx erreicht.</translation>
    </message>
    <message>
        <source>Target URL</source>
        <translation>Ziel-URL</translation>
    </message>
    <message>
        <source>Target &amp;URL:</source>
        <translation>Ziel-&amp;URL:</translation>
    </message>
    <message>
        <source>&amp;Payload (JSON):</source>
        <translation>&amp;Nutzdaten (JSON):</translation>
    </message>
    <message>
        <source>Payload</source>
        <translation>Nutzdaten</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>&amp;Senden</translation>
    </message>
    <message>
        <source>Not sent: %1</source>
        <translation>Nicht gesendet: %1</translation>
    </message>
    <message>
        <source>The target URL must be an http:// or https:// URL with a host.</source>
        <translation>Die Ziel-URL muss eine http://- oder https://-URL mit Host sein.</translation>
    </message>
    <message>
        <source>The payload is not valid JSON: %1 at line %2, column %3.</source>
        <translation>Die Nutzdaten sind kein gültiges JSON: %1 in Zeile %2, Spalte %3.</translation>
    </message>
    <message>
        <source>replayed to %1</source>
        <translation>erneut gesendet an %1</translation>
    </message>
    <message>
        <source>payload edited</source>
        <translation>Nutzdaten bearbeitet</translation>
    </message>
    <message>
        <source>Nothing changed: this sends the delivery as configured.</source>
        <translation>Nichts geändert: die Zustellung wird wie konfiguriert gesendet.</translation>
    </message>
    <message>
        <source>The attempt will record: %1</source>
        <translation>Der Versuch hält fest: %1</translation>
    </message>
    <message>
        <source>, </source>
        <translation>, </translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>Wird gesendet…</translation>
    </message>
</context>
<context>
    <name>RotateSecretDialog</name>
    <message>
        <source>Rotate the secret</source>
        <translation>Geheimnis wechseln</translation>
    </message>
    <message>
        <source>A new secret signs every delivery from now on. During the grace period the previous secret signs too (both signatures are sent), so the receiver can switch to the new one without failing a delivery.</source>
        <translation>Ab jetzt signiert ein neues Geheimnis jede Zustellung. Während der Übergangsfrist signiert auch das bisherige (beide Signaturen werden gesendet), sodass der Empfänger ohne fehlgeschlagene Zustellung auf das neue wechseln kann.</translation>
    </message>
    <message>
        <source> h</source>
        <translation> h</translation>
    </message>
    <message>
        <source>none: the previous secret stops at once</source>
        <translation>keine: das bisherige Geheimnis endet sofort</translation>
    </message>
    <message>
        <source>&amp;Grace period:</source>
        <translation>Über&amp;gangsfrist:</translation>
    </message>
    <message>
        <source>&amp;Rotate</source>
        <translation>&amp;Wechseln</translation>
    </message>
    <message>
        <source>The previous secret stops working as soon as you rotate.</source>
        <translation>Das bisherige Geheimnis gilt nicht mehr, sobald gewechselt wird.</translation>
    </message>
    <message>
        <source>The previous secret stays valid until about %1.</source>
        <translation>Das bisherige Geheimnis bleibt bis etwa %1 gültig.</translation>
    </message>
</context>
<context>
    <name>SettingsView</name>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Intake URL:</source>
        <translation>Eingangs-URL:</translation>
    </message>
    <message>
        <source>Intake token:</source>
        <translation>Eingangs-Token:</translation>
    </message>
    <message>
        <source>Database in use:</source>
        <translation>Datenbank in Verwendung:</translation>
    </message>
    <message>
        <source>any free port</source>
        <translation>beliebiger freier Port</translation>
    </message>
    <message>
        <source>Intake &amp;port (loopback):</source>
        <translation>Eingangs-&amp;Port (Loopback):</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>P&amp;oll interval:</source>
        <translation>Abf&amp;rageintervall:</translation>
    </message>
    <message>
        <source> days</source>
        <translation> Tage</translation>
    </message>
    <message>
        <source>keep everything</source>
        <translation>alles behalten</translation>
    </message>
    <message>
        <source>&amp;Keep finished history for:</source>
        <translation>Abgeschlossenen Verlauf &amp;behalten für:</translation>
    </message>
    <message>
        <source>Save for the &amp;next start</source>
        <translation>Für den &amp;nächsten Start speichern</translation>
    </message>
    <message>
        <source>not listening</source>
        <translation>lauscht nicht</translation>
    </message>
    <message>
        <source>none (the console listens on loopback, where no token is needed)</source>
        <translation>keins (die Konsole lauscht auf Loopback, dort ist kein Token nötig)</translation>
    </message>
    <message>
        <source>Saved; applies when the console starts next.</source>
        <translation>Gespeichert; gilt beim nächsten Start der Konsole.</translation>
    </message>
    <message>
        <source>Choose &amp;file…</source>
        <translation>&amp;Datei wählen…</translation>
    </message>
    <message>
        <source>Database at the ne&amp;xt start:</source>
        <translation>Datenbank beim nä&amp;chsten Start:</translation>
    </message>
    <message>
        <source>Enter the path of a database file.</source>
        <translation>Den Pfad einer Datenbankdatei eingeben.</translation>
    </message>
    <message>
        <source>%1 is a folder; enter a file name in it, e.g. %2.</source>
        <translation>%1 ist ein Ordner; einen Dateinamen darin eingeben, z. B. %2.</translation>
    </message>
    <message>
        <source>The folder %1 does not exist.</source>
        <translation>Den Ordner %1 gibt es nicht.</translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation>%1 ist kein Ordner.</translation>
    </message>
    <message>
        <source>The folder %1 is not writable (%2): Tidings could not keep its database there. Choose another folder or change its permissions.</source>
        <translation>In den Ordner %1 kann nicht geschrieben werden (%2): Tidings könnte seine Datenbank dort nicht führen. Einen anderen Ordner wählen oder seine Rechte ändern.</translation>
    </message>
    <message>
        <source>The file %1 cannot be written (%2).</source>
        <translation>Die Datei %1 kann nicht geschrieben werden (%2).</translation>
    </message>
    <message>
        <source>Database file</source>
        <translation>Datenbankdatei</translation>
    </message>
    <message>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>SQLite-Datenbanken (*.db *.sqlite);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>This is the database in use. --db PATH and TIDINGS_DB override this choice.</source>
        <translation>Das ist die Datenbank in Verwendung. --db PFAD und TIDINGS_DB haben Vorrang vor dieser Wahl.</translation>
    </message>
    <message>
        <source>Tidings opens this database when the console starts next (after Save); an empty file is created there if none exists. --db PATH and TIDINGS_DB override this choice.</source>
        <translation>Tidings öffnet diese Datenbank beim nächsten Start der Konsole (nach dem Speichern); gibt es dort keine, wird eine leere angelegt. --db PFAD und TIDINGS_DB haben Vorrang vor dieser Wahl.</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>WebhookEditorDialog</name>
    <message>
        <source>New webhook</source>
        <translation>Neuer Webhook</translation>
    </message>
    <message>
        <source>Edit webhook %1</source>
        <translation>Webhook %1 bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <source>&amp;URL:</source>
        <translation>&amp;URL:</translation>
    </message>
    <message>
        <source>Actions:</source>
        <translation>Aktionen:</translation>
    </message>
    <message>
        <source>every repository; e.g. prod/*, team/app</source>
        <translation>jedes Repository; z. B. prod/*, team/app</translation>
    </message>
    <message>
        <source>&amp;Repositories:</source>
        <translation>&amp;Repositorys:</translation>
    </message>
    <message>
        <source>every tag; e.g. v*, latest</source>
        <translation>jeder Tag; z. B. v*, latest</translation>
    </message>
    <message>
        <source>&amp;Tags:</source>
        <translation>&amp;Tags:</translation>
    </message>
    <message>
        <source>image manifests and indexes; * for all</source>
        <translation>Image-Manifeste und -Indizes; * für alle</translation>
    </message>
    <message>
        <source>&amp;Media types:</source>
        <translation>&amp;Medientypen:</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>Header</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>&amp;Headers:</source>
        <translation>&amp;Header:</translation>
    </message>
    <message>
        <source>none: requests are not signed</source>
        <translation>keins: Anfragen werden nicht signiert</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Erzeugen</translation>
    </message>
    <message>
        <source>Cop&amp;y</source>
        <translation>Kop&amp;ieren</translation>
    </message>
    <message>
        <source>&amp;Secret:</source>
        <translation>&amp;Geheimnis:</translation>
    </message>
    <message>
        <source>Registry envelope</source>
        <translation>Registry-Umschlag</translation>
    </message>
    <message>
        <source>CloudEvents 1.0</source>
        <translation>CloudEvents 1.0</translation>
    </message>
    <message>
        <source>Payload &amp;format:</source>
        <translation>Nutzdaten&amp;format:</translation>
    </message>
    <message>
        <source>default: %1 (seconds)</source>
        <translation>Standard: %1 (Sekunden)</translation>
    </message>
    <message>
        <source>Retry &amp;schedule:</source>
        <translation>&amp;Wiederholungsplan:</translation>
    </message>
    <message>
        <source>as many as the schedule</source>
        <translation>so viele wie der Plan</translation>
    </message>
    <message>
        <source>Max &amp;attempts:</source>
        <translation>Höchstzahl &amp;Versuche:</translation>
    </message>
    <message>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <source>T&amp;imeout:</source>
        <translation>T&amp;imeout:</translation>
    </message>
    <message>
        <source>&amp;Concurrency:</source>
        <translation>&amp;Parallelität:</translation>
    </message>
    <message>
        <source>Accept any TLS certificate (test endpoints only)</source>
        <translation>Jedes TLS-Zertifikat akzeptieren (nur für Testendpunkte)</translation>
    </message>
    <message>
        <source>&amp;Enabled</source>
        <translation>&amp;Aktiviert</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Recent events these filters let through</source>
        <translation>Letzte Ereignisse, die diese Filter durchlassen</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>disabled in the console</source>
        <translation>in der Konsole deaktiviert</translation>
    </message>
    <message>
        <source>Give the webhook a name.</source>
        <translation>Dem Webhook einen Namen geben.</translation>
    </message>
    <message>
        <source>A name cannot be only digits (those are ids).</source>
        <translation>Ein Name darf nicht nur aus Ziffern bestehen (das sind IDs).</translation>
    </message>
    <message>
        <source>A webhook named &quot;%1&quot; exists already.</source>
        <translation>Ein Webhook namens „%1“ existiert bereits.</translation>
    </message>
    <message>
        <source>Enter the URL to deliver to.</source>
        <translation>Die Ziel-URL eingeben.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not an http:// or https:// URL with a host.</source>
        <translation>„%1“ ist keine http://- oder https://-URL mit Host.</translation>
    </message>
    <message>
        <source>Choose at least one action.</source>
        <translation>Mindestens eine Aktion wählen.</translation>
    </message>
    <message>
        <source>Filter: %1</source>
        <translation>Filter: %1</translation>
    </message>
    <message>
        <source>The secret is not usable: %1. Generate a new one.</source>
        <translation>Das Geheimnis ist unbrauchbar: %1. Ein neues erzeugen.</translation>
    </message>
    <message>
        <source>Header name &quot;%1&quot; is not a valid HTTP header name.</source>
        <translation>„%1“ ist kein gültiger HTTP-Headername.</translation>
    </message>
    <message>
        <source>Header &quot;%1&quot; is set by Tidings itself.</source>
        <translation>Den Header „%1“ setzt Tidings selbst.</translation>
    </message>
    <message>
        <source>Retry schedule: &quot;%1&quot; is not a number of seconds.</source>
        <translation>Wiederholungsplan: „%1“ ist keine Anzahl Sekunden.</translation>
    </message>
    <message>
        <source>Retry schedule: %1</source>
        <translation>Wiederholungsplan: %1</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>%1 %2:%3</source>
        <translation>%1 %2:%3</translation>
    </message>
    <message>
        <source>✓ %1</source>
        <translation>✓ %1</translation>
    </message>
    <message>
        <source>✗ %1: %2</source>
        <translation>✗ %1: %2</translation>
    </message>
    <message>
        <source>No events received yet.</source>
        <translation>Noch keine Ereignisse empfangen.</translation>
    </message>
    <message numerus="yes">
        <source>%1 of the last %n event(s) would be delivered.</source>
        <translation>
            <numerusform>%1 des letzten Ereignisses würde zugestellt.</numerusform>
            <numerusform>%1 der letzten %n Ereignisse würden zugestellt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>R&amp;otate…</source>
        <translation>We&amp;chseln…</translation>
    </message>
    <message>
        <source>A new secret now, with the previous one still valid for a grace period</source>
        <translation>Jetzt ein neues Geheimnis, das bisherige bleibt für eine Übergangsfrist gültig</translation>
    </message>
    <message>
        <source>Not rotated: %1</source>
        <translation>Nicht gewechselt: %1</translation>
    </message>
    <message>
        <source>Rotating…</source>
        <translation>Wird gewechselt…</translation>
    </message>
    <message>
        <source>The previous secret stays valid until %1: deliveries carry both signatures.</source>
        <translation>Das bisherige Geheimnis bleibt bis %1 gültig: Zustellungen tragen beide Signaturen.</translation>
    </message>
    <message>
        <source>Only the current secret signs deliveries.</source>
        <translation>Nur das aktuelle Geheimnis signiert Zustellungen.</translation>
    </message>
</context>
<context>
    <name>WebhookListModel</name>
    <message>
        <source>enabled</source>
        <translation>aktiviert</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>disabled: %1</source>
        <translation>deaktiviert: %1</translation>
    </message>
    <message>
        <source>no deliveries</source>
        <translation>keine Zustellungen</translation>
    </message>
    <message>
        <source>%1 % of %2</source>
        <translation>%1 % von %2</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Success (24 h)</source>
        <translation>Erfolg (24 h)</translation>
    </message>
    <message>
        <source>Last delivery</source>
        <translation>Letzte Zustellung</translation>
    </message>
</context>
<context>
    <name>WebhooksView</name>
    <message>
        <source>&amp;New webhook…</source>
        <translation>&amp;Neuer Webhook…</translation>
    </message>
    <message>
        <source>Ctrl+N</source>
        <translation>Strg+N</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten…</translation>
    </message>
    <message>
        <source>Send &amp;test event</source>
        <translation>&amp;Testereignis senden</translation>
    </message>
    <message>
        <source>A synthetic tag push, sent now whatever the filters (Ctrl+T)</source>
        <translation>Ein künstlicher Tag-Push, sofort gesendet, unabhängig von den Filtern (Strg+T)</translation>
    </message>
    <message>
        <source>Test event queued as delivery %1, sending…</source>
        <translation>Testereignis als Zustellung %1 eingereiht, wird gesendet…</translation>
    </message>
    <message>
        <source>Test event not sent: %1</source>
        <translation>Testereignis nicht gesendet: %1</translation>
    </message>
    <message>
        <source>Test event (delivery %1): HTTP %2 in %3 ms</source>
        <translation>Testereignis (Zustellung %1): HTTP %2 in %3 ms</translation>
    </message>
    <message>
        <source>Test event (delivery %1): no response (%2): %3</source>
        <translation>Testereignis (Zustellung %1): keine Antwort (%2): %3</translation>
    </message>
    <message>
        <source>Sending a test event…</source>
        <translation>Testereignis wird gesendet…</translation>
    </message>
</context>
</TS>
