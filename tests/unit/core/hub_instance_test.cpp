// A hub's instance name in the registry, and when a liveness beat's reply calls for re-asserting
// the agents it holds.
#include <catch2/catch.hpp>

#include "hub/core/hub_instance.hpp"

using namespace mi::hub;

TEST_CASE("an instance is the hub id, a separator and the nonce, and gives its hub id back", "[hub-instance]") {
  auto instance = make_hub_instance("pod-7", "AbCdEfGhIjKl");
  CHECK(instance == "pod-7#AbCdEfGhIjKl");
  CHECK(hub_id_of_instance(instance) == "pod-7");
  // A hub id may itself hold the separator: the nonce's fixed length finds the right one.
  CHECK(hub_id_of_instance(make_hub_instance("a#b", "AbCdEfGhIjKl")) == "a#b");
}

TEST_CASE("a name that is not an instance has no hub id", "[hub-instance]") {
  CHECK(hub_id_of_instance("pod-7").empty());
  CHECK(hub_id_of_instance("#AbCdEfGhIjKl").empty());      // no hub id before it
  CHECK(hub_id_of_instance("pod-7+AbCdEfGhIjKl").empty());  // no separator where it belongs
  CHECK(hub_id_of_instance("").empty());
}

TEST_CASE("a beat that registers the hub anew re-asserts the agents it holds, and only if it holds some", "[hub-instance]") {
  ClaimWatch watch;
  CHECK_FALSE(watch.reassert_after_beat(true, 0, false));  // the first beat of a hub with no agent yet
  CHECK(watch.reassert_after_beat(true, 0, true));         // its registration was gone
  CHECK_FALSE(watch.reassert_after_beat(false, 0, true));
}

TEST_CASE("a claim is acted on once, even when the beat that followed it was never answered", "[hub-instance]") {
  ClaimWatch watch;
  CHECK_FALSE(watch.reassert_after_beat(false, 0, true));
  // A sweep claimed the hub; the beat that registered it again timed out, so its "registered now"
  // was lost. The next beat is not a new registration, but the count says what happened.
  CHECK(watch.reassert_after_beat(false, 1, true));
  CHECK_FALSE(watch.reassert_after_beat(false, 1, true));
  CHECK(watch.reassert_after_beat(false, 3, true));  // two more claims, one re-assertion
  CHECK_FALSE(watch.reassert_after_beat(false, 3, true));
}

TEST_CASE("a claim count that went down means Redis lost data: the agents are marked again", "[hub-instance]") {
  ClaimWatch watch;
  CHECK(watch.reassert_after_beat(false, 2, true));
  CHECK(watch.reassert_after_beat(false, 0, true));
  CHECK_FALSE(watch.reassert_after_beat(false, 0, true));
}

TEST_CASE("a claim noticed while the hub holds no agent is not acted on later", "[hub-instance]") {
  ClaimWatch watch;
  CHECK_FALSE(watch.reassert_after_beat(false, 1, false));
  CHECK_FALSE(watch.reassert_after_beat(false, 1, true));
}
