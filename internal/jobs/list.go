package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Job is a job as River keeps it in its table: what an operator, or a
// test, reads to learn what the queue did and still has to do.
type Job struct {
	ID    int64
	Kind  string // EmailArgs{}.Kind(), WebhookArgs{}.Kind(), MaintenanceArgs{}.Kind()
	Queue string
	// State is River's: available, scheduled, running, retryable, pending,
	// or, once River will not run the job again, completed, discarded or
	// cancelled.
	State string
	// Attempt is the number of attempts made so far; Errors holds the error
	// of each failed one, oldest first.
	Attempt int
	Errors  []string
	// DeliveryIDs are the deliveries of the outbox handed to a delivery
	// job.
	DeliveryIDs []int64
}

// Finished says whether River is done with the job: it will not be
// attempted again, so it sends nothing more.
func (j Job) Finished() bool {
	switch rivertype.JobState(j.State) {
	case rivertype.JobStateCompleted, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
		return true
	}
	return false
}

// List returns every job River holds, oldest first: finished ones too,
// until River's cleaner deletes them (completed and cancelled jobs a day
// after, discarded ones a week after, by default).
func (j *Jobs) List(ctx context.Context) ([]Job, error) {
	var (
		out    []Job
		params = river.NewJobListParams().First(1000)
	)
	for {
		res, err := j.client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("jobs: listing River's jobs: %w", err)
		}
		for _, row := range res.Jobs {
			job := Job{ID: row.ID, Kind: row.Kind, Queue: row.Queue, State: string(row.State), Attempt: row.Attempt}
			for _, e := range row.Errors {
				job.Errors = append(job.Errors, e.Error)
			}
			var h Handover
			if json.Unmarshal(row.EncodedArgs, &h) == nil {
				job.DeliveryIDs = h.DeliveryIDs
			}
			out = append(out, job)
		}
		if len(res.Jobs) < 1000 {
			return out, nil
		}
		params = params.After(res.LastCursor)
	}
}
