// Contiguity on a lattice of labels: finding the 4-connected pieces of each label, and merging
// stray pieces into a neighbour so that every label (a town, a zone) is one piece.
#pragma once

#include <functional>
#include <vector>

namespace liandong::gen {

struct Pieces {
  std::vector<int> piece_of;            // per cell; -1 for empty cells (label < 0)
  std::vector<std::vector<int>> cells;  // per piece, its cells (row * cols + col)
};

// Cells are row * cols + col; a negative label is an empty cell.
Pieces find_pieces(const std::vector<int>& label, int rows, int cols);

// Until every label forms one piece: a piece that is not its label's largest is relabelled to the
// neighbouring label it shares most edges with (ties to the lower label), among the labels
// `may_take(from, to)` allows. Throws std::logic_error if a stray piece has no such neighbour.
void merge_stray_pieces(std::vector<int>& label, int rows, int cols, const std::function<bool(int, int)>& may_take);

}  // namespace liandong::gen
