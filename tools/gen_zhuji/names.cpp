#include "tools/gen_zhuji/names.hpp"

#include <array>
#include <set>
#include <stdexcept>
#include <string_view>

namespace liandong::gen {

namespace {
constexpr std::array<std::string_view, 40> kFirst{"东", "西", "南", "北", "上", "下", "新", "大", "小", "前",
                                                  "后", "石", "枫", "杨", "柳", "桃", "梅", "竹", "松", "金",
                                                  "银", "青", "白", "黄", "红", "安", "和", "福", "永", "丰",
                                                  "兴", "长", "高", "双", "三", "五", "里", "溪", "湖", "山"};
constexpr std::array<std::string_view, 24> kSecond{"溪", "桥", "塘", "湖", "山", "岭", "坞", "畈",
                                                   "岙", "埠", "头", "宅", "庄", "江", "湾", "园",
                                                   "林", "泉", "坂", "墩", "沿", "浦", "堰", "亭"};
}  // namespace

std::vector<std::string> community_stems(SplitMix64& rng, int count) {
  if (count > static_cast<int>(kFirst.size() * kSecond.size()) * 2 / 3) {
    throw std::logic_error("community_stems: too many names asked for");
  }
  std::set<std::string> seen;
  std::vector<std::string> out;
  while (static_cast<int>(out.size()) < count) {
    const std::string_view a = kFirst[rng.below(kFirst.size())];
    const std::string_view b = kSecond[rng.below(kSecond.size())];
    if (a == b) continue;
    std::string stem{a};
    stem += b;
    if (seen.insert(stem).second) out.push_back(std::move(stem));
  }
  return out;
}

}  // namespace liandong::gen
