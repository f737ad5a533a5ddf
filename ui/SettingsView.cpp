#include "SettingsView.h"

#include "ConsoleSettings.h"
#include "Engine.h"

#include <QClipboard>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace {

// A read-only field with a Copy button.
QLayout *withCopyButton(QLineEdit *field, const QString &objectName, QWidget *parent)
{
    field->setReadOnly(true);
    auto *copy = new QPushButton(SettingsView::tr("Copy"), parent);
    copy->setObjectName(objectName);
    QObject::connect(copy, &QPushButton::clicked, field, [field] {
        QGuiApplication::clipboard()->setText(field->property("secretValue").isValid()
                                                  ? field->property("secretValue").toString()
                                                  : field->text());
    });
    auto *row = new QHBoxLayout;
    row->addWidget(field, 1);
    row->addWidget(copy);
    return row;
}

} // namespace

SettingsView::SettingsView(Engine &engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
{
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_intake = new QLineEdit(this);
    m_intake->setObjectName(QStringLiteral("intakeUrlField"));
    form->addRow(tr("Intake URL:"), withCopyButton(m_intake, QStringLiteral("copyIntakeButton"), this));
    m_token = new QLineEdit(this);
    m_token->setObjectName(QStringLiteral("intakeTokenField"));
    form->addRow(tr("Intake token:"), withCopyButton(m_token, QStringLiteral("copyTokenButton"), this));
    m_database = new QLineEdit(engine.config().databaseLocation, this);
    m_database->setObjectName(QStringLiteral("databaseField"));
    form->addRow(tr("Database:"), withCopyButton(m_database, QStringLiteral("copyDatabaseButton"), this));
    auto *databaseHint = new QLabel(tr("Choose another database with --db PATH or TIDINGS_DB."), this);
    databaseHint->setEnabled(false);
    form->addRow(QString(), databaseHint);

    QSettings settings;
    const ConsoleSettings current = ConsoleSettings::load(settings, engine.config());
    m_port = new QSpinBox(this);
    m_port->setObjectName(QStringLiteral("portSpin"));
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any free port"));
    m_port->setValue(current.listenPort);
    form->addRow(tr("Intake &port (loopback):"), m_port);
    m_pollInterval = new QSpinBox(this);
    m_pollInterval->setObjectName(QStringLiteral("pollIntervalSpin"));
    m_pollInterval->setRange(1, 3600);
    m_pollInterval->setSuffix(tr(" s"));
    m_pollInterval->setValue(current.pollIntervalSeconds);
    form->addRow(tr("P&oll interval:"), m_pollInterval);
    m_retention = new QSpinBox(this);
    m_retention->setObjectName(QStringLiteral("retentionSpin"));
    m_retention->setRange(0, 3650);
    m_retention->setSuffix(tr(" days"));
    m_retention->setSpecialValueText(tr("keep everything"));
    m_retention->setValue(current.retentionDays);
    form->addRow(tr("&Keep finished history for:"), m_retention);
    layout->addLayout(form);

    auto *buttons = new QHBoxLayout;
    auto *save = new QPushButton(tr("&Save for the next start"), this);
    save->setObjectName(QStringLiteral("saveSettingsButton"));
    m_saved = new QLabel(this);
    m_saved->setObjectName(QStringLiteral("settingsSaved"));
    buttons->addWidget(save);
    buttons->addWidget(m_saved, 1);
    layout->addLayout(buttons);
    layout->addStretch();
    connect(save, &QPushButton::clicked, this, &SettingsView::save);

    connect(&engine, &Engine::started, this, &SettingsView::showIntake);
    showIntake();
}

void SettingsView::showIntake()
{
    m_intake->setText(m_engine.isRunning() ? m_engine.intakeUrl().toString() : tr("not listening"));
    const QByteArray token = m_engine.config().intakeToken;
    if (token.isEmpty()) {
        m_token->setText(tr("none (the console listens on loopback, where no token is needed)"));
        m_token->setProperty("secretValue", QString());
    } else {
        m_token->setText(QString(token.size(), QChar(0x2022)));
        m_token->setProperty("secretValue", QString::fromUtf8(token));
    }
}

void SettingsView::save()
{
    ConsoleSettings s;
    s.listenPort = m_port->value();
    s.pollIntervalSeconds = m_pollInterval->value();
    s.retentionDays = m_retention->value();
    QSettings settings;
    s.save(settings);
    m_saved->setText(tr("Saved; applies when the console starts next."));
}
