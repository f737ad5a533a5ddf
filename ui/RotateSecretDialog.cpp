#include "RotateSecretDialog.h"

#include "SecretRotation.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

RotateSecretDialog::RotateSecretDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("rotateSecretDialog"));
    setWindowTitle(tr("Rotate the secret"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("A new secret signs every delivery from now on. During the grace period the "
                                "previous secret signs too (both signatures are sent), so the receiver can "
                                "switch to the new one without failing a delivery."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_hours = new QSpinBox(this);
    m_hours->setObjectName(QStringLiteral("graceHoursSpin"));
    m_hours->setRange(0, int(SecretRotation::maxGraceSeconds / 3600));
    m_hours->setSuffix(tr(" h"));
    m_hours->setSpecialValueText(tr("none: the previous secret stops at once"));
    m_hours->setValue(int(SecretRotation::defaultGraceSeconds / 3600));
    form->addRow(tr("&Grace period:"), m_hours);
    layout->addLayout(form);
    m_until = new QLabel(this);
    m_until->setObjectName(QStringLiteral("graceUntilLabel"));
    m_until->setWordWrap(true);
    layout->addWidget(m_until);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("&Rotate"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_hours, &QSpinBox::valueChanged, this, &RotateSecretDialog::updateUntil);
    updateUntil();
}

qint64 RotateSecretDialog::graceSeconds() const
{
    return qint64(m_hours->value()) * 3600;
}

void RotateSecretDialog::setGraceHours(int hours)
{
    m_hours->setValue(hours);
}

void RotateSecretDialog::updateUntil()
{
    if (graceSeconds() == 0) {
        m_until->setText(tr("The previous secret stops working as soon as you rotate."));
        return;
    }
    const QDateTime until = QDateTime::currentDateTime().addSecs(graceSeconds());
    m_until->setText(tr("The previous secret stays valid until about %1.")
                         .arg(QLocale().toString(until, QLocale::ShortFormat)));
}
