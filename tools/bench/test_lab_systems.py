"""make bench LAB=NN: a lab's image as a benched system (names, paths, the command line)."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qemu_trace  # noqa: E402
import results  # noqa: E402
import run_bench  # noqa: E402


class LabSystems(unittest.TestCase):
    def test_names(self):
        for good in ("el2lab", "el2lab-static", "none", "lab-03", "lab-03-solution"):
            self.assertTrue(results.valid_system(good), good)
        for bad in ("lab-3", "lab-03-starter", "el2lab-dynamic", ""):
            self.assertFalse(results.valid_system(bad), bad)
        self.assertEqual(results.SYSTEM_TITLES["lab-03"], "lab-03")
        self.assertEqual(results.SYSTEM_TITLES["none"], "bare QEMU")

    def test_lab_option_picks_the_systems(self):
        args = run_bench.parse_args(["--lab", "3", "--build-dir", "/b"])
        self.assertEqual(args.systems, ["el2lab", "el2lab-static", "lab-03"])
        args = run_bench.parse_args(["--lab", "03", "--solution", "--build-dir", "/b"])
        self.assertEqual(args.systems[-1], "lab-03-solution")
        self.assertEqual(run_bench.parse_args([]).systems, list(results.SYSTEMS))
        with self.assertRaises(SystemExit):
            run_bench.parse_args(["--lab", "three"])

    def test_lab_image_path_and_command(self):
        elf = run_bench.hypervisor_elf(Path("/b"), "lab-03")
        self.assertEqual(elf, Path("/b/aarch64/labs/03-dispatch/lab-03.elf"))
        with self.assertRaises(run_bench.BenchError):
            run_bench.hypervisor_elf(Path("/b"), "lab-99")
        cmd = qemu_trace.command(Path("/b"), "lab-03", Path("/g.elf"), 2, Path("/log"),
                                 "el2lab.log_exits=0", elf.with_suffix(".bin"))
        self.assertEqual(cmd[cmd.index("-kernel") + 1], str(elf.with_suffix(".bin")))
        self.assertEqual(cmd[cmd.index("-append") + 1], "el2lab.log_exits=0")
        plain = qemu_trace.command(Path("/b"), "el2lab", Path("/g.elf"), 2, Path("/log"))
        self.assertTrue(plain[plain.index("-kernel") + 1].endswith("core/el2/el2lab.bin"))
        self.assertNotIn("-append", plain)


if __name__ == "__main__":
    unittest.main()
