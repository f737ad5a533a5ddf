#pragma once

#include <QWidget>

class Engine;
class QLabel;
class QLineEdit;
class QSpinBox;

// The Settings screen: where the intake listens and its token (masked, with copy buttons), the database,
// and the engine settings kept for the next start (port, poll interval, retention).
class SettingsView : public QWidget
{
    Q_OBJECT
public:
    explicit SettingsView(Engine &engine, QWidget *parent = nullptr);

    void save();

private:
    void showIntake();

    Engine &m_engine;
    QLineEdit *m_intake = nullptr;
    QLineEdit *m_token = nullptr;
    QLineEdit *m_database = nullptr;
    QSpinBox *m_port = nullptr;
    QSpinBox *m_pollInterval = nullptr;
    QSpinBox *m_retention = nullptr;
    QLabel *m_saved = nullptr;
};
