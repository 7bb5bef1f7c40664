//go:build race

package replicas_test

func init() { raceEnabled = true }
