#pragma once

#include <QDialog>

class QLabel;
class QSpinBox;

// Asks how long the previous secret keeps signing after a rotation (hours, 24 to start with; 0 stops it at
// once) and shows until when that is.
class RotateSecretDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RotateSecretDialog(QWidget *parent = nullptr);

    qint64 graceSeconds() const;
    void setGraceHours(int hours);

private:
    void updateUntil();

    QSpinBox *m_hours = nullptr;
    QLabel *m_until = nullptr;
};
