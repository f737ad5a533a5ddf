#include "SettingsView.h"

#include "ConsoleSettings.h"
#include "Engine.h"
#include "StatusColours.h"

#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryFile>
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
    form->addRow(tr("Database in use:"),
                 withCopyButton(m_database, QStringLiteral("copyDatabaseButton"), this));

    QSettings settings;
    const ConsoleSettings current = ConsoleSettings::load(settings, engine.config());
    m_savedDatabase = current.databaseLocation;
    // The database for the next start: typed, or chosen in a file dialog; checked as it changes.
    m_nextDatabase = new QLineEdit(current.databaseLocation.isEmpty() ? engine.config().databaseLocation
                                                                      : current.databaseLocation,
                                   this);
    m_nextDatabase->setObjectName(QStringLiteral("nextDatabaseField"));
    auto *choose = new QPushButton(tr("Choose &file…"), this);
    choose->setObjectName(QStringLiteral("chooseDatabaseButton"));
    auto *databaseRow = new QHBoxLayout;
    databaseRow->addWidget(m_nextDatabase, 1);
    databaseRow->addWidget(choose);
    auto *databaseLabel = new QLabel(tr("Database at the ne&xt start:"), this);
    databaseLabel->setBuddy(m_nextDatabase);
    form->addRow(databaseLabel, databaseRow);
    m_databaseCheck = new QLabel(this);
    m_databaseCheck->setObjectName(QStringLiteral("databaseCheck"));
    m_databaseCheck->setWordWrap(true);
    form->addRow(QString(), m_databaseCheck);
    connect(choose, &QPushButton::clicked, this, &SettingsView::chooseDatabase);
    connect(m_nextDatabase, &QLineEdit::textChanged, this, &SettingsView::checkDatabase);
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
    auto *save = new QPushButton(tr("Save for the &next start"), this);
    save->setObjectName(QStringLiteral("saveSettingsButton"));
    m_saveButton = save;
    m_saved = new QLabel(this);
    m_saved->setObjectName(QStringLiteral("settingsSaved"));
    buttons->addWidget(save);
    buttons->addWidget(m_saved, 1);
    layout->addLayout(buttons);
    layout->addStretch();
    connect(save, &QPushButton::clicked, this, &SettingsView::save);

    connect(&engine, &Engine::started, this, &SettingsView::showIntake);
    showIntake();
    checkDatabase();
}

QString SettingsView::databaseLocationProblem(const QString &location)
{
    const QString path = location.trimmed();
    if (path.isEmpty())
        return tr("Enter the path of a database file.");
    if (path.startsWith(QLatin1String("postgresql://")) || path.startsWith(QLatin1String("postgres://")))
        return QString(); // the server decides; the engine says why at the next start if it refuses
    const QFileInfo file(path);
    if (file.isDir())
        return tr("%1 is a folder; enter a file name in it, e.g. %2.")
            .arg(QDir::toNativeSeparators(path),
                 QDir::toNativeSeparators(QDir(path).filePath(QStringLiteral("tidings.db"))));
    const QFileInfo folder(file.absolutePath());
    if (!folder.exists())
        return tr("The folder %1 does not exist.").arg(QDir::toNativeSeparators(folder.filePath()));
    if (!folder.isDir())
        return tr("%1 is not a folder.").arg(QDir::toNativeSeparators(folder.filePath()));
    // Permission bits do not tell the whole story (read-only file systems, root, ACLs): try it. SQLite also
    // needs to create its -wal and -shm files next to the database.
    QTemporaryFile probe(QDir(folder.filePath()).filePath(QStringLiteral(".tidings-write-check-XXXXXX")));
    if (!probe.open())
        return tr("The folder %1 is not writable (%2): Tidings could not keep its database there. Choose "
                  "another folder or change its permissions.")
            .arg(QDir::toNativeSeparators(folder.filePath()), probe.errorString());
    if (file.exists()) {
        QFile existing(path);
        if (!existing.open(QIODevice::ReadWrite))
            return tr("The file %1 cannot be written (%2).")
                .arg(QDir::toNativeSeparators(path), existing.errorString());
    }
    return QString();
}

void SettingsView::chooseDatabase()
{
    auto *dialog =
        new QFileDialog(this, tr("Database file"), QFileInfo(m_nextDatabase->text()).absolutePath(),
                        tr("SQLite databases (*.db *.sqlite);;All files (*)"));
    dialog->setObjectName(QStringLiteral("databaseFileDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    // An existing database, or the name of a new one.
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setOption(QFileDialog::DontConfirmOverwrite);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->selectFile(m_nextDatabase->text());
    connect(dialog, &QFileDialog::fileSelected, this,
            [this](const QString &file) { m_nextDatabase->setText(QDir::toNativeSeparators(file)); });
    dialog->open();
}

void SettingsView::checkDatabase()
{
    const QString problem = databaseLocationProblem(m_nextDatabase->text());
    const bool same = m_nextDatabase->text().trimmed() == m_engine.config().databaseLocation;
    if (!problem.isEmpty()) {
        m_databaseCheck->setStyleSheet(
            QStringLiteral("color: %1")
                .arg(StatusColours::failure(palette(), StatusColours::Surface::Window).name()));
        m_databaseCheck->setText(problem);
    } else {
        m_databaseCheck->setStyleSheet(QString());
        m_databaseCheck->setText(
            same ? tr("This is the database in use. --db PATH and TIDINGS_DB override this choice.")
                 : tr("Tidings opens this database when the console starts next (after Save); an empty "
                      "file is created there if none exists. --db PATH and TIDINGS_DB override this "
                      "choice."));
    }
    m_saveButton->setEnabled(problem.isEmpty());
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

bool SettingsView::save()
{
    const QString problem = databaseLocationProblem(m_nextDatabase->text());
    if (!problem.isEmpty()) {
        m_saved->setText(tr("Not saved: %1").arg(problem));
        return false;
    }
    ConsoleSettings s;
    // The database in use stays "whatever --db, TIDINGS_DB or the default say" unless another was chosen.
    const QString next = m_nextDatabase->text().trimmed();
    s.databaseLocation =
        next == m_engine.config().databaseLocation && m_savedDatabase.isEmpty() ? QString() : next;
    s.listenPort = m_port->value();
    s.pollIntervalSeconds = m_pollInterval->value();
    s.retentionDays = m_retention->value();
    QSettings settings;
    s.save(settings);
    m_saved->setText(tr("Saved; applies when the console starts next."));
    return true;
}
