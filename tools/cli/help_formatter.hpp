// How `liandong ... --help` is laid out: CLI11's format, with text wrapped to fit a terminal and,
// in lists of subcommands, only the first line of each subcommand's description (its summary).
// Write a description as "Summary.\nDetails..." to use this.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace liandong::cli {

// Wraps each line of `text` at `width` columns, breaking between words.
std::string wrap_text(const std::string& text, std::size_t width);

class HelpFormatter : public CLI::Formatter {
 public:
  static constexpr std::size_t kWidth = 100;
  static constexpr std::size_t kColumn = 30;
  HelpFormatter();

  std::string make_description(const CLI::App* app) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
};

// "incident show" for the `show` subcommand of `incident` (the program's own name left out).
std::string command_path(const CLI::App& command);

}  // namespace liandong::cli
