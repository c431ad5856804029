package voicemail

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// prompts are the sounds the applications play by name.
var prompts = []string{
	"vm-intro", "vm-theperson", "vm-isunavail", "vm-isonphone", "vm-mailboxfull", "vm-goodbye", "vm-saveoper",
	"vm-msgsaved", "vm-deleted", "vm-undeleted", "transfer", "vm-login", "vm-password", "vm-incorrect",
	"vm-incorrect-mailbox", "vm-youhave", "vm-no", "vm-and", "vm-message", "vm-messages", "vm-INBOX", "vm-Old",
	"vm-Work", "vm-Family", "vm-Friends", "vm-Urgent", "vm-onefor", "vm-opts", "vm-helpexit", "vm-prev",
	"vm-repeat", "vm-next", "vm-delete", "vm-undelete", "vm-savemessage", "vm-first", "vm-last", "vm-nomore",
	"vm-changeto", "vm-savefolder", "vm-press", "vm-for", "vm-tocancel", "vm-savedto", "vm-sorry",
	"vm-from-phonenumber", "vm-unknown-caller", "vm-options", "vm-tmpexists", "vm-rec-unv", "vm-rec-busy",
	"vm-rec-name", "vm-rec-temp", "vm-review", "vm-tempgreeting2", "vm-tempremoved", "vm-newpassword",
	"vm-reenterpassword", "vm-passchanged", "vm-mismatch", "vm-invalid-password", "vm-pls-try-again",
	"vm-starmain",
}

// TestPromptsNamedInCode: every quoted vm-* name in the package's code is in
// prompts, so the list below stays the truth.
func TestPromptsNamedInCode(t *testing.T) {
	re := regexp.MustCompile(`"(vm-[A-Za-z-]+|transfer)"`)
	known := map[string]bool{}
	for _, p := range prompts {
		known[p] = true
	}
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		data, _ := os.ReadFile(f.Name())
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			if !known[m[1]] {
				t.Errorf("%s plays %s, missing from prompts", f.Name(), m[1])
			}
		}
	}
}

// TestPromptCatalogue reports the prompts that have no speech in the
// switch's catalogue (media/prompts/core.txt) in en, fr and ar; the flows
// skip a missing prompt as app_voicemail does, so this only logs.
func TestPromptCatalogue(t *testing.T) {
	f, err := os.Open("../media/prompts/core.txt")
	if err != nil {
		t.Skip("no catalogue:", err)
	}
	defer f.Close()
	have := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if parts := strings.SplitN(sc.Text(), "|", 3); len(parts) == 3 {
			have[parts[0]+"|"+parts[1]] = true
		}
	}
	var missing []string
	for _, p := range prompts {
		for _, lang := range []string{"en", "fr", "ar"} {
			if !have[p+"|"+lang] {
				missing = append(missing, p+"|"+lang)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Logf("prompts without speech in core.txt: %s", strings.Join(missing, " "))
	}
}
