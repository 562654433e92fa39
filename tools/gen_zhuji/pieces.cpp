#include "tools/gen_zhuji/pieces.hpp"

#include <map>
#include <stdexcept>

namespace liandong::gen {

namespace {

template <typename Visit>
void for_each_side(int cell, int rows, int cols, Visit visit) {
  const int r = cell / cols, c = cell % cols;
  if (r > 0) visit(cell - cols);
  if (r + 1 < rows) visit(cell + cols);
  if (c > 0) visit(cell - 1);
  if (c + 1 < cols) visit(cell + 1);
}

}  // namespace

Pieces find_pieces(const std::vector<int>& label, int rows, int cols) {
  Pieces p;
  p.piece_of.assign(label.size(), -1);
  for (std::size_t start = 0; start < label.size(); ++start) {
    if (label[start] < 0 || p.piece_of[start] >= 0) continue;
    const int id = static_cast<int>(p.cells.size());
    std::vector<int> cells{static_cast<int>(start)};
    p.piece_of[start] = id;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      for_each_side(cells[i], rows, cols, [&](int n) {
        const auto k = static_cast<std::size_t>(n);
        if (label[k] != label[start] || p.piece_of[k] >= 0) return;
        p.piece_of[k] = id;
        cells.push_back(n);
      });
    }
    p.cells.push_back(std::move(cells));
  }
  return p;
}

void merge_stray_pieces(std::vector<int>& label, int rows, int cols, const std::function<bool(int, int)>& may_take) {
  for (;;) {
    const Pieces pieces = find_pieces(label, rows, cols);
    std::map<int, std::size_t> largest;  // label -> its largest piece (the first, on a tie)
    for (std::size_t i = 0; i < pieces.cells.size(); ++i) {
      const int l = label[static_cast<std::size_t>(pieces.cells[i][0])];
      const auto it = largest.find(l);
      if (it == largest.end() || pieces.cells[i].size() > pieces.cells[it->second].size()) largest[l] = i;
    }
    std::size_t stray = pieces.cells.size();
    for (std::size_t i = 0; i < pieces.cells.size() && stray == pieces.cells.size(); ++i) {
      if (largest[label[static_cast<std::size_t>(pieces.cells[i][0])]] != i) stray = i;
    }
    if (stray == pieces.cells.size()) return;

    const int from = label[static_cast<std::size_t>(pieces.cells[stray][0])];
    std::map<int, int> shared_edges;
    for (int cell : pieces.cells[stray]) {
      for_each_side(cell, rows, cols, [&](int n) {
        const int to = label[static_cast<std::size_t>(n)];
        if (to >= 0 && to != from && may_take(from, to)) ++shared_edges[to];
      });
    }
    if (shared_edges.empty()) throw std::logic_error("merge_stray_pieces: a stray piece with no neighbour to join");
    int best = shared_edges.begin()->first;
    for (const auto& [to, edges] : shared_edges) {
      if (edges > shared_edges[best]) best = to;
    }
    for (int cell : pieces.cells[stray]) label[static_cast<std::size_t>(cell)] = best;
  }
}

}  // namespace liandong::gen
