#include <catch2/catch.hpp>

#include "hub/core/end_reason.hpp"

using mi::hub::EndReason;
using mi::hub::end_reason_text;

TEST_CASE("end reasons are spelled as the offline event carries them", "[end-reason]") {
  CHECK(end_reason_text(EndReason::closed) == "closed");
  CHECK(end_reason_text(EndReason::timeout) == "timeout");
  CHECK(end_reason_text(EndReason::drained) == "drained");
  CHECK(end_reason_text(EndReason::hub_lost) == "hub_lost");
}
