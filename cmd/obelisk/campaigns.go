package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/obelisk-pbx/obelisk/campaign"
)

// campaignsCmd reads the campaigns of a stopped switch's data directory:
// a summary of each, or one campaign's results as CSV (what GET
// /api/v1/campaigns/{name}/results?format=csv returns while it runs).
func campaignsCmd(args []string, stdout, stderr io.Writer) int {
	fl := newFlagSet("campaigns", "campaigns [--data DIR] [--results NAME]", stderr)
	data := fl.String("data", "./obelisk-data", "data directory of a stopped switch")
	results := fl.String("results", "", "print this campaign's results as CSV")
	if code := parseFlags(fl, args); code >= 0 {
		return code
	}
	path := filepath.Join(*data, "obelisk.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			err = errors.New("the store is in use: stop the switch, or use the HTTP API")
		}
		fmt.Fprintf(stderr, "obelisk campaigns: %s: %v\n", path, err)
		return 1
	}
	defer db.Close()
	var camps []*campaign.Campaign
	var custs map[string][]*campaign.Customer
	err = db.View(func(tx *bolt.Tx) error {
		var err error
		camps, custs, err = campaign.LoadTx(tx)
		return err
	})
	if err != nil {
		fmt.Fprintln(stderr, "obelisk campaigns:", err)
		return 1
	}
	if *results != "" {
		cs, ok := custs[*results]
		found := ok
		for _, c := range camps {
			found = found || c.Name == *results
		}
		if !found {
			fmt.Fprintf(stderr, "obelisk campaigns: no campaign %q\n", *results)
			return 1
		}
		if err := campaign.WriteResults(stdout, cs); err != nil {
			fmt.Fprintln(stderr, "obelisk campaigns:", err)
			return 1
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tTRUNK\tCONTEXT\tCUSTOMERS\tDONE\tBY STATUS")
	for _, c := range camps {
		done, by := 0, map[campaign.Status]int{}
		for _, cu := range custs[c.Name] {
			by[cu.Status]++
			if cu.Done {
				done++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%v\n", c.Name, c.State, c.Trunk, c.Context, len(custs[c.Name]), done, by)
	}
	_ = tw.Flush()
	return 0
}
