#pragma once

#include <QStyledItemDelegate>

// Draws a cell's text in the colour its model asks for (Qt::ForegroundRole), moved just far enough in
// lightness to stay readable (contrast 4.5:1, StatusColours) on the cell's background in the palette in use,
// so a model's status colours read on a dark palette too. Cells without a colour of their own are untouched.
class ReadableTextDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    // The colour the cell's text is drawn in and the background it is drawn on, as painted in `view`.
    QPair<QColor, QColor> textAndBackground(const QModelIndex &index,
                                            const class QStyleOptionViewItem &base) const;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};
