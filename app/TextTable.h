#pragma once

#include <QList>
#include <QStringList>

class QTextStream;

// A plain-text table for the terminal: columns as wide as their widest cell, two spaces apart, so no
// value ever runs into the next one.
class TextTable
{
public:
    explicit TextTable(QStringList header);
    void addRow(QStringList cells);
    void print(QTextStream &out) const;

private:
    QList<QStringList> m_rows;
};
