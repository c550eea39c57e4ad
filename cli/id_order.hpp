#pragma once
// The order in which agents are listed: the colony dashboard's (compareIds in
// hub/http/web/assets/common.js, Intl.Collator with numeric ordering and base sensitivity), so
// that `mi status` and the dashboard show a colony the same way: jared, jared-2, jared-10.

#include <string_view>

namespace mi::cli {

// True when `left` comes before `right`: digit runs compare as numbers; other characters in the
// collation's order (punctuation, then digits, then letters, regardless of case); an id comes
// before the longer ids it begins. Ids equal in that order fall back to their bytes, so that the
// order is total.
bool id_sorts_before(std::string_view left, std::string_view right);

}  // namespace mi::cli
