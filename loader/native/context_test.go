package native

import (
	"testing"
	"unsafe"
)

// TestContextOffsets pins the offsets generated code uses to the actual
// layout of Context.
func TestContextOffsets(t *testing.T) {
	var c Context
	check := func(name string, got uintptr, want int) {
		t.Helper()
		if int(got) != want {
			t.Errorf("%s: offset %d in Context, generated code uses %d", name, got, want)
		}
	}
	check("GoSP", unsafe.Offsetof(c.GoSP), OffGoSP)
	check("GoBP", unsafe.Offsetof(c.GoBP), OffGoBP)
	check("GoLR", unsafe.Offsetof(c.GoLR), OffGoLR)
	check("NativeSP", unsafe.Offsetof(c.NativeSP), OffNativeSP)
	check("Resume", unsafe.Offsetof(c.Resume), OffResume)
	check("ExitCode", unsafe.Offsetof(c.ExitCode), OffExitCode)
	check("ExitPC", unsafe.Offsetof(c.ExitPC), OffExitPC)
	check("HelperID", unsafe.Offsetof(c.HelperID), OffHelperID)
	check("Fault", unsafe.Offsetof(c.Fault), OffFault)
	check("FaultArg", unsafe.Offsetof(c.FaultArg), OffFaultArg)
	check("Args", unsafe.Offsetof(c.Args), OffArgs)
	check("CallArgs", unsafe.Offsetof(c.CallArgs), OffCallArgs)
	check("StackTop", unsafe.Offsetof(c.StackTop), OffStackTop)
	check("StackLo", unsafe.Offsetof(c.StackLo), OffStackLo)
	check("StackHi", unsafe.Offsetof(c.StackHi), OffStackHi)
	check("MemStart", unsafe.Offsetof(c.MemStart), OffMemStart)
	check("MemLimit", unsafe.Offsetof(c.MemLimit), OffMemLimit)
	check("NumRegions", unsafe.Offsetof(c.NumRegions), OffNumRegions)
	check("Regions", unsafe.Offsetof(c.Regions), OffRegions)
	check("RegionHint", unsafe.Offsetof(c.RegionHint), OffRegionHint)
	var r Region
	check("Region size", unsafe.Sizeof(r), RegionSize)
	check("Region.Start", unsafe.Offsetof(r.Start), RegionStart)
	check("Region.Len", unsafe.Offsetof(r.Len), RegionLen)
	check("Region.Perm", unsafe.Offsetof(r.Perm), RegionPerm)
	check("MapTable", unsafe.Offsetof(c.MapTable), OffMapTable)
	check("CodeBase", unsafe.Offsetof(c.CodeBase), OffCodeBase)
	check("CallTarget", unsafe.Offsetof(c.CallTarget), OffCallTarget)
	check("HelperFrame", unsafe.Offsetof(c.HelperFrame), OffHelperFrame)
	check("Returned", unsafe.Offsetof(c.Returned), OffReturned)
	check("Fuel", unsafe.Offsetof(c.Fuel), OffFuel)
	check("Context size", unsafe.Sizeof(c), ContextSize)
}
