// Plain-text tables for the terminal: columns aligned by what a terminal shows, so names in
// Chinese (two columns per character) line up with Latin ones.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace liandong::cli {

// Terminal columns `text` takes: one per code point, two for East Asian wide characters.
std::size_t display_width(std::string_view text);

// The rows (the first one is usually the header) with columns padded to their widest cell and
// separated by two spaces; each line starts with `indent` and ends with "\n", without trailing
// blanks. Rows shorter than the widest one are filled with empty cells.
std::string format_table(const std::vector<std::vector<std::string>>& rows, const std::string& indent = "  ");

}  // namespace liandong::cli
