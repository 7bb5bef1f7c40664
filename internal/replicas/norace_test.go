package replicas_test

// raceEnabled says this test binary runs with the race detector (set in
// race_test.go); the replicas are then built with it too.
var raceEnabled bool
