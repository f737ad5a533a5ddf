#pragma once

#include <QWidget>

class Engine;
class QLabel;
class QLineEdit;
class QSpinBox;

// The Settings screen: where the intake listens and its token (masked, with copy buttons), the database,
// and the engine settings kept for the next start (database location, port, poll interval, retention).
class SettingsView : public QWidget
{
    Q_OBJECT
public:
    explicit SettingsView(Engine &engine, QWidget *parent = nullptr);

    // Saves the choices for the next start; false (and the reason shown) when the database location is not
    // usable.
    bool save();
    // Why a database location cannot be used (empty: it can): a folder that does not exist, is not a folder,
    // or where a file cannot be created; a file that cannot be written. PostgreSQL URLs are not checked here.
    static QString databaseLocationProblem(const QString &location);

private:
    void showIntake();
    void chooseDatabase();
    void checkDatabase();

    Engine &m_engine;
    QLineEdit *m_intake = nullptr;
    QLineEdit *m_token = nullptr;
    QLineEdit *m_database = nullptr;
    QLineEdit *m_nextDatabase = nullptr;
    QLabel *m_databaseCheck = nullptr;
    QString m_savedDatabase; // chosen in an earlier session; empty: none
    class QPushButton *m_saveButton = nullptr;
    QSpinBox *m_port = nullptr;
    QSpinBox *m_pollInterval = nullptr;
    QSpinBox *m_retention = nullptr;
    QLabel *m_saved = nullptr;
};
