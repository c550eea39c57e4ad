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

TEST_CASE("the offline grace: whole for a drop, a drain or a lost hub; none when the agent left or went silent",
          "[end-reason][grace]") {
  using mi::hub::offline_grace_for;
  using std::chrono::milliseconds;
  const milliseconds grace{5'000};
  CHECK(offline_grace_for(EndReason::closed, false, grace) == grace);   // dropped, or closed by the hub
  CHECK(offline_grace_for(EndReason::drained, false, grace) == grace);
  CHECK(offline_grace_for(EndReason::hub_lost, false, grace) == grace);
  CHECK(offline_grace_for(EndReason::closed, true, grace) == milliseconds{0});   // the agent's close frame
  CHECK(offline_grace_for(EndReason::timeout, false, grace) == milliseconds{0});
  CHECK(offline_grace_for(EndReason::closed, false, milliseconds{0}) == milliseconds{0});
}
