// Command loadgen_native is the benchmarks' lean load generator: a closed loop of N
// clients, each with one persistent connection, sending SRU GETs or Z39.50 search +
// present pairs until a request budget or a time cap is spent.
//
// The Python generator (bench/loadgen.py) spends about 1 CPU ms per request on the same
// two cores the servers use, so it measured the client as much as the servers. This one
// spends a few tens of microseconds. It reads a job as JSON on stdin and writes a summary
// as JSON on stdout; bench/native_load.py builds the job (Z39.50 request bytes come from
// the project's own BER encoder) and reads the summary. Standard library only.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Job is what one run sends: the target, the load shape and the prepared requests.
type Job struct {
	Protocol    string   `json:"protocol"` // "sru" or "z3950"
	Address     string   `json:"address"`  // host:port
	Concurrency int      `json:"concurrency"`
	Total       int      `json:"total"`
	TimeCapS    float64  `json:"time_cap_s"`
	URLs        []string `json:"urls"`     // sru: request targets, used round-robin
	Init        []byte   `json:"init"`     // z3950: initRequest APDU
	Searches    [][]byte `json:"searches"` // z3950: searchRequest APDUs, used round-robin
	Presents    [][]byte `json:"presents"` // z3950: presentRequest of 1..len records
	Close       []byte   `json:"close"`    // z3950: close APDU
	Expect      string   `json:"expect"`   // sru: a response body must contain this
}

// Summary is the run's result, in the shape of bench/loadgen.py's LoadResult.summary().
type Summary struct {
	Concurrency  int     `json:"concurrency"`
	Requests     int     `json:"requests"`
	Errors       int     `json:"errors"`
	WallS        float64 `json:"wall_s"`
	RequestsPerS float64 `json:"requests_per_s"`
	P50Ms        float64 `json:"p50_ms"`
	P95Ms        float64 `json:"p95_ms"`
	P99Ms        float64 `json:"p99_ms"`
	ClientCPUS   float64 `json:"client_cpu_s"`
	FirstError   string  `json:"first_error"`
	Client       string  `json:"client"`
}

// client sends request n of the run; it returns an error for a failed or wrong answer.
type client interface {
	request(n int) error
	close()
}

func main() {
	var job Job
	if err := json.NewDecoder(os.Stdin).Decode(&job); err != nil {
		fail("reading the job from stdin: %v", err)
	}
	clients := make([]client, job.Concurrency)
	for i := range clients {
		c, err := connect(&job)
		if err != nil {
			fail("connecting to %s: %v", job.Address, err)
		}
		clients[i] = c
	}
	summary := run(&job, clients)
	for _, c := range clients {
		c.close()
	}
	if err := json.NewEncoder(os.Stdout).Encode(summary); err != nil {
		fail("writing the summary: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen_native: "+format+"\n", args...)
	os.Exit(2)
}

func connect(job *Job) (client, error) {
	switch job.Protocol {
	case "sru":
		return newSRUClient(job), nil
	case "z3950":
		return newZ3950Client(job)
	}
	return nil, fmt.Errorf("unknown protocol %q (sru or z3950)", job.Protocol)
}

// run drives every client in its own goroutine until the budget or the time cap is spent.
func run(job *Job, clients []client) Summary {
	var next int64 = -1
	var mu sync.Mutex
	var latencies []float64
	var errs []string
	var wg sync.WaitGroup
	cpu0 := cpuSeconds()
	start := time.Now()
	deadline := start.Add(time.Duration(job.TimeCapS * float64(time.Second)))
	for _, c := range clients {
		wg.Add(1)
		go func(c client) {
			defer wg.Done()
			mine := make([]float64, 0, job.Total/len(clients)+1)
			var mineErrs []string
			for {
				n := int(atomic.AddInt64(&next, 1))
				if n >= job.Total || time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				if err := c.request(n); err != nil {
					mineErrs = append(mineErrs, err.Error())
					continue
				}
				mine = append(mine, float64(time.Since(t0).Nanoseconds())/1e6)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			errs = append(errs, mineErrs...)
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	return summarize(job, latencies, errs, wall, cpuSeconds()-cpu0)
}

func summarize(job *Job, latencies []float64, errs []string, wall, cpu float64) Summary {
	sort.Float64s(latencies)
	s := Summary{Concurrency: job.Concurrency, Requests: len(latencies), Errors: len(errs),
		WallS: round(wall), P50Ms: round(percentile(latencies, 50)),
		P95Ms: round(percentile(latencies, 95)), P99Ms: round(percentile(latencies, 99)),
		ClientCPUS: round(cpu), Client: "native"}
	if wall > 0 {
		s.RequestsPerS = float64(int(float64(len(latencies))/wall*10)) / 10
	}
	if len(errs) > 0 {
		s.FirstError = errs[0]
	}
	return s
}

// percentile matches bench/common.py: nearest rank on the sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Round(p / 100 * float64(len(sorted)-1)))
	return sorted[max(0, min(len(sorted)-1, k))]
}

func round(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// ------------------------------------------------------------------- SRU over HTTP/1.1

type sruClient struct {
	job    *Job
	http   *http.Client
	base   string
	expect []byte
}

func newSRUClient(job *Job) *sruClient {
	transport := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1,
		DisableCompression: true, Proxy: nil}
	return &sruClient{job: job, http: &http.Client{Transport: transport, Timeout: 30 * time.Second},
		base: "http://" + job.Address, expect: []byte(job.Expect)}
}

func (c *sruClient) request(n int) error {
	target := c.job.URLs[n%len(c.job.URLs)]
	resp, err := c.http.Get(c.base + target)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, c.expect) {
		head := body
		if len(head) > 300 {
			head = head[:300]
		}
		return fmt.Errorf("HTTP %d for %s: %q", resp.StatusCode, target, head)
	}
	return nil
}

func (c *sruClient) close() { c.http.CloseIdleConnections() }

// ------------------------------------------------------------------- Z39.50 over BER

type z3950Client struct {
	job  *Job
	conn net.Conn
	in   *bufio.Reader
	buf  []byte
}

func newZ3950Client(job *Job) (*z3950Client, error) {
	conn, err := net.DialTimeout("tcp", job.Address, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c := &z3950Client{job: job, conn: conn, in: bufio.NewReaderSize(conn, 256*1024)}
	reply, err := c.call(job.Init, 21)
	if err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	ok, found := findChild(reply, 12)
	if !found || !isTrue(ok) {
		return nil, errors.New("init rejected")
	}
	return c, nil
}

// request is one search and one present of min(hits, len(presents)) records.
func (c *z3950Client) request(n int) error {
	reply, err := c.call(c.job.Searches[n%len(c.job.Searches)], 23)
	if err != nil {
		return err
	}
	if status, found := findChild(reply, 22); !found || !isTrue(status) {
		return fmt.Errorf("search %d failed", n%len(c.job.Searches))
	}
	count, found := findChild(reply, 23)
	hits := integer(count)
	if !found || hits <= 0 {
		return fmt.Errorf("no hits for search %d", n%len(c.job.Searches))
	}
	want := min(hits, len(c.job.Presents))
	reply, err = c.call(c.job.Presents[want-1], 25)
	if err != nil {
		return err
	}
	returned, _ := findChild(reply, 24)
	records, found := findChild(reply, 28)
	if !found || countChildren(records) != integer(returned) || integer(returned) != want {
		return fmt.Errorf("present returned %d records of %d", integer(returned), want)
	}
	return nil
}

func (c *z3950Client) close() {
	_ = c.conn.SetDeadline(time.Now().Add(time.Second))
	_, _ = c.conn.Write(c.job.Close)
	_ = c.conn.Close()
}

// call writes one APDU and reads the next; it returns the reply's contents.
func (c *z3950Client) call(apdu []byte, expect int) ([]byte, error) {
	if err := c.conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := c.conn.Write(apdu); err != nil {
		return nil, err
	}
	c.buf = c.buf[:0]
	frame, err := readElement(c.in, c.buf)
	if err != nil {
		return nil, err
	}
	c.buf = frame
	el, _, err := parse(frame)
	if err != nil {
		return nil, err
	}
	if el.tag != expect {
		return nil, fmt.Errorf("expected APDU [%d], got [%d]", expect, el.tag)
	}
	return el.content, nil
}

// ------------------------------------------------------------------- a small BER reader

type element struct {
	tag         int
	constructed bool
	content     []byte
}

const indefinite = -1

// header decodes an identifier and length at the start of b: tag, constructed, length
// (or indefinite), and the header's size; ok is false when b is too short to tell.
func header(b []byte) (tag int, constructed bool, length int, size int, ok bool, err error) {
	if len(b) < 2 {
		return 0, false, 0, 0, false, nil
	}
	constructed = b[0]&0x20 != 0
	tag, i := int(b[0]&0x1f), 1
	if tag == 0x1f {
		tag = 0
		for {
			if i >= len(b) {
				return 0, false, 0, 0, false, nil
			}
			tag = tag<<7 | int(b[i]&0x7f)
			i++
			if b[i-1]&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, false, 0, 0, false, nil
	}
	first := b[i]
	i++
	switch {
	case first < 0x80:
		length = int(first)
	case first == 0x80:
		length = indefinite
	default:
		n := int(first & 0x7f)
		if n > 4 {
			return 0, false, 0, 0, false, errors.New("BER length over 4 bytes")
		}
		if i+n > len(b) {
			return 0, false, 0, 0, false, nil
		}
		for _, x := range b[i : i+n] {
			length = length<<8 | int(x)
		}
		i += n
	}
	return tag, constructed, length, i, true, nil
}

// readElement appends one whole element (definite or indefinite length) read from r.
func readElement(r *bufio.Reader, out []byte) ([]byte, error) {
	start := len(out)
	for {
		_, constructed, length, size, ok, err := header(out[start:])
		if err != nil {
			return nil, err
		}
		if ok {
			if length != indefinite {
				return readN(r, out, size+length-(len(out)-start))
			}
			if !constructed {
				return nil, errors.New("indefinite length on a primitive element")
			}
			return readIndefinite(r, out)
		}
		b, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
}

func readN(r *bufio.Reader, out []byte, n int) ([]byte, error) {
	if n <= 0 {
		return out, nil
	}
	grown := append(out, make([]byte, n)...)
	if _, err := io.ReadFull(r, grown[len(out):]); err != nil {
		return nil, err
	}
	return grown, nil
}

// readIndefinite reads child elements until the end-of-contents octets (00 00).
func readIndefinite(r *bufio.Reader, out []byte) ([]byte, error) {
	for {
		peek, err := r.Peek(2)
		if err != nil {
			return nil, err
		}
		if peek[0] == 0 && peek[1] == 0 {
			return readN(r, out, 2)
		}
		if out, err = readElement(r, out); err != nil {
			return nil, err
		}
	}
}

// parse decodes the element at the start of b and returns it with the bytes after it.
func parse(b []byte) (element, []byte, error) {
	tag, constructed, length, size, ok, err := header(b)
	if err != nil {
		return element{}, nil, err
	}
	if !ok {
		return element{}, nil, errors.New("truncated BER element")
	}
	if length != indefinite {
		if size+length > len(b) {
			return element{}, nil, errors.New("truncated BER element")
		}
		return element{tag, constructed, b[size : size+length]}, b[size+length:], nil
	}
	rest := b[size:]
	for len(rest) >= 2 && !(rest[0] == 0 && rest[1] == 0) {
		if _, rest, err = parse(rest); err != nil {
			return element{}, nil, err
		}
	}
	if len(rest) < 2 {
		return element{}, nil, errors.New("indefinite element without end-of-contents")
	}
	content := b[size : len(b)-len(rest)]
	return element{tag, constructed, content}, rest[2:], nil
}

// findChild returns the contents of the first child of a constructed element with tag.
func findChild(content []byte, tag int) ([]byte, bool) {
	for len(content) > 0 {
		el, rest, err := parse(content)
		if err != nil {
			return nil, false
		}
		if el.tag == tag {
			return el.content, true
		}
		content = rest
	}
	return nil, false
}

func countChildren(content []byte) int {
	n := 0
	for len(content) > 0 {
		_, rest, err := parse(content)
		if err != nil {
			return -1
		}
		n++
		content = rest
	}
	return n
}

func integer(b []byte) int {
	v := 0
	if len(b) > 0 && b[0]&0x80 != 0 {
		v = -1
	}
	for _, x := range b {
		v = v<<8 | int(x)
	}
	return v
}

func isTrue(b []byte) bool { return len(b) == 1 && b[0] != 0 }
