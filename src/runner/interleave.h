// The order in which the processes of a suite run. Cases that differ only in backend or variant
// are compared with each other, so their processes alternate — round r runs the group's cases
// rotated by r (A B C, B C A, C A B, ...) — and slow drift on the machine (a neighbour, the
// clock, a warming room) falls on every backend alike instead of on whichever always runs last.
#pragma once
#include <string>
#include <vector>

#include "core/case_spec.h"

namespace versus {

// The key that backends of one comparison share: the case's id without backend and variant.
std::string comparison_key(const CaseSpec& c);
// Indices of `cases` grouped by comparison key, groups in order of first appearance.
std::vector<std::vector<size_t>> comparison_groups(const std::vector<CaseSpec>& cases);
// Positions 0..n-1 in the order of round `round` (a rotation by the round number).
std::vector<size_t> round_order(size_t n, int round);

}  // namespace versus
