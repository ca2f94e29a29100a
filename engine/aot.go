package engine

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/ebpfjit/ebpfjit/artifact"
	"github.com/ebpfjit/ebpfjit/jit"
	"github.com/ebpfjit/ebpfjit/loader"
	"github.com/ebpfjit/ebpfjit/loader/native"
	"github.com/ebpfjit/ebpfjit/vm"
)

// CompileOptions configure ahead-of-time compilation.
type CompileOptions struct {
	// Arch is the target ("amd64", "arm64"); empty means this machine.
	Arch string
	// OptLevel is 0 or 2.
	OptLevel int
	// Features are the CPU features the code may use; nil means those of
	// this machine when compiling for it, the baseline otherwise.
	Features *jit.Features
	// Helpers add to the standard helpers the programs may call.
	Helpers []vm.Helper
	// Parse configures reading the object (CO-RE target BTF).
	Parse loader.ParseOptions
	// COREKey identifies Parse.CORETarget for the cache (a hash of the
	// file it came from, say): the code of an object with CO-RE
	// relocations depends on the target. With a target and no key, Cache
	// compiles without storing.
	COREKey string
}

// coreIdentity names the BTF that CO-RE relocations resolve against, for
// cache keys; "" when it cannot be named.
func (o CompileOptions) coreIdentity() string {
	if o.Parse.CORETarget != nil {
		if o.COREKey == "" {
			return ""
		}
		return "btf:" + o.COREKey
	}
	return kernelIdentity()
}

// kernelIdentity names the running kernel's build: its BTF changes with
// nothing else.
var kernelIdentity = sync.OnceValue(func() string {
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	version, _ := os.ReadFile("/proc/sys/kernel/version")
	return fmt.Sprintf("kernel:%q %q", release, version)
})

// target resolves the architecture and features options imply.
func (o CompileOptions) target() (string, jit.Features) {
	arch := o.Arch
	if arch == "" {
		arch = runtime.GOARCH
	}
	switch {
	case o.Features != nil:
		return arch, *o.Features
	case arch == runtime.GOARCH:
		return arch, jit.HostFeatures()
	}
	return arch, jit.Features{}
}

// inputHash identifies an object compiled with some options.
func (o CompileOptions) inputHash(object []byte) [32]byte {
	arch, feat := o.target()
	h := sha256.New()
	h.Write(object)
	fmt.Fprintf(h, "\x00arch=%s level=%d features=%v compiler=%s format=%d core=%s maxdata=%d",
		arch, o.OptLevel, feat.Names(), artifact.CompilerVersion, artifact.FormatVersion, o.coreIdentity(), o.Parse.MaxDataSize)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// CompileArtifact compiles every program of an object for a target.
func CompileArtifact(object []byte, opts CompileOptions) (*artifact.Artifact, error) {
	obj, err := loader.Parse(object, opts.Parse)
	if err != nil {
		return nil, err
	}
	arch, feat := opts.target()
	helpers := loader.StandardHelpers(nil)
	for _, h := range opts.Helpers {
		helpers.Register(h.ID, h.Name, h.Fn)
	}
	sizes := make([]uint32, len(obj.Maps))
	for i, m := range obj.Maps {
		sizes[i] = m.ValueSize
	}
	a := &artifact.Artifact{
		Compiler: artifact.CompilerVersion, Arch: arch, Features: feat.Names(), InputHash: opts.inputHash(object),
		OptLevel: opts.OptLevel, Maps: obj.Maps, ProgramSlots: obj.ProgramSlots, Variables: obj.Variables,
	}
	for _, ps := range obj.Programs {
		if err := ps.LoadError(obj.Maps); err != nil {
			return nil, fmt.Errorf("program %q: %w", ps.Name, err)
		}
		res, err := jit.Compile(ps.Insns, jit.Options{Arch: arch, OptLevel: opts.OptLevel, Helpers: helpers,
			MapValueSizes: sizes, Maps: MapInfo(obj.Maps), Features: &feat})
		if err != nil {
			return nil, fmt.Errorf("program %q: %w", ps.Name, err)
		}
		a.Programs = append(a.Programs, artifact.Program{Name: ps.Name, Section: ps.Section, Code: *res.Code, Helpers: res.Helpers})
	}
	return a, nil
}

// Cache keeps compiled artifacts in a folder, keyed by the hash of the
// input object, the options, the target and its CPU features, and the
// compiler and format versions. An entry that is truncated, corrupted, of
// another version or for another machine is discarded and recompiled,
// never run and never reported as an error.
type Cache struct {
	Dir string
}

// DefaultCache is the cache in the user's cache folder.
func DefaultCache() (*Cache, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	return &Cache{Dir: filepath.Join(dir, "ebpfjit")}, nil
}

// Path returns the file an object compiled with opts is cached in.
func (c *Cache) Path(object []byte, opts CompileOptions) string {
	return filepath.Join(c.Dir, fmt.Sprintf("%x.artifact", opts.inputHash(object)))
}

// Artifact returns the object compiled with opts, from the cache when a
// valid entry exists, else compiling it and storing the result. The
// second result reports a cache hit.
func (c *Cache) Artifact(object []byte, opts CompileOptions) (*artifact.Artifact, bool, error) {
	if opts.coreIdentity() == "" {
		// A CO-RE target we cannot name: an entry could be reused for
		// another target.
		a, err := CompileArtifact(object, opts)
		return a, false, err
	}
	path := c.Path(object, opts)
	want := opts.inputHash(object)
	if data, err := os.ReadFile(path); err == nil {
		a, err := artifact.Unmarshal(data)
		if err == nil && a.InputHash == want && a.Compiler == artifact.CompilerVersion && a.Runnable(native.HostFeatures()) == nil {
			return a, true, nil
		}
		os.Remove(path) // stale or damaged: recompile
	}
	a, err := CompileArtifact(object, opts)
	if err != nil {
		return nil, false, err
	}
	if err := writeAtomically(path, a.Marshal()); err != nil {
		// A cache that cannot be written is not the caller's problem.
		return a, false, nil
	}
	return a, false, nil
}

// writeAtomically writes data to path so that readers see the old file
// or the whole new one: a temporary file in the same folder, synced,
// then renamed over path.
func writeAtomically(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if werr != nil || serr != nil || cerr != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %v %v %v", tmp, werr, serr, cerr)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
