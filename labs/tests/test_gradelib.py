#!/usr/bin/env python3
"""Unit tests of labs/gradelib, on a throwaway lab in a temp dir (no QEMU, no build)."""
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

LABS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(LABS))

from gradelib import build, failures, hostprog, lab as lab_module, registry, results, runner  # noqa: E402

GRADER = textwrap.dedent('''\
    import sys, time
    sys.path.insert(0, {labs!r})
    from gradelib import Fail, Lab, main, test
    lab = Lab(__file__)

    @test(10, "09.1-passes")
    def passes(t):
        pass

    @test(20, "09.2-partial")
    def partial(t):
        t.note("some output of the run")
        raise Fail("half of it is wrong: " + lab.todo("TODO(09.2)"), partial=5)

    @test(30, "09.3-grader-bug")
    def bug(t):
        return {{}}["no such key"]

    @test(40, "09.4-hangs", timeout=2)
    def hangs(t):
        t.last_lines = ["first line", "the last line before the hang"]
        time.sleep(60)

    if __name__ == "__main__":
        main(lab)
''')


def make_lab(tmp: Path) -> Path:
    lab = tmp / "09-fake"
    lab.mkdir()
    (lab / "lab.json").write_text(json.dumps({"number": "09", "hal_type": "",
                                              "student_files": ["hal.h"], "guests": []}))
    (lab / "hal.h").write_text("// line 1\n// line 2\n  // TODO(09.2): do it\n")
    (lab / "grade.py").write_text(GRADER.format(labs=str(LABS)))
    return lab


class GraderEndToEnd(unittest.TestCase):
    """A whole grader run: lines, score, exit status, logs, JSON, timeouts, grader bugs."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        tmp = Path(cls.tmp.name)
        cls.lab = make_lab(tmp)
        env = dict(os.environ, NO_COLOR="1", EL2LAB_GRADE_TIMEOUT_SCALE="1")
        env.pop("EL2LAB_GRADE_OUT_DIR", None)
        cls.gs = tmp / "gs.json"
        cls.pl = tmp / "pl" / "results.json"
        base = [sys.executable, str(cls.lab / "grade.py"), "--build-dir", str(tmp / "nobuild")]
        cls.run1 = subprocess.run(base + ["--json", "gradescope", str(cls.gs)], env=env,
                                  capture_output=True, text=True, timeout=120)
        cls.run2 = subprocess.run(base + ["--json", "prairielearn", str(cls.pl)], env=env,
                                  capture_output=True, text=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_score_and_exit_status(self):
        out = self.run1.stdout
        self.assertIn("09.1-passes: OK (10/10)", out)
        self.assertIn("09.2-partial: FAIL (5/20)", out)
        self.assertIn("Score: 15/100", out.splitlines())
        self.assertEqual(self.run1.returncode, 1)
        self.assertEqual(self.run1.stderr, "")

    def test_message_points_at_the_todo_line(self):
        self.assertIn("labs/09-fake/hal.h:3 TODO(09.2)", self.run1.stdout.replace(
            str(self.lab.parent), "labs"))

    def test_failed_run_keeps_its_log(self):
        log = self.lab / "out" / "09.2-partial.log"
        self.assertTrue(log.exists())
        self.assertIn("some output of the run", log.read_text())
        self.assertIn("out/09.2-partial.log", self.run1.stdout)
        self.assertFalse((self.lab / "out" / "09.1-passes.log").exists())

    def test_grader_bug_is_reported_without_traceback(self):
        out = self.run1.stdout
        self.assertNotIn("Traceback", out + self.run1.stderr)
        self.assertIn("09.3-grader-bug: FAIL (0/30)", out)
        self.assertIn("the grader itself failed (KeyError at grade.py:", out)
        self.assertIn("bug in the grader", out)

    def test_timeout_message(self):
        out = self.run1.stdout
        self.assertIn("09.4-hangs: FAIL (0/40)", out)
        self.assertIn("timed out after 2 s", out)
        self.assertIn("the last line before the hang", out)

    def test_gradescope_fields(self):
        doc = json.loads(self.gs.read_text())
        self.assertEqual(doc["score"], 15)
        self.assertEqual(len(doc["tests"]), 4)
        for t in doc["tests"]:
            self.assertEqual(set(t), {"name", "score", "max_score", "status", "output", "visibility"})
            self.assertIn(t["status"], ("passed", "failed"))
            self.assertIn(t["visibility"], ("hidden", "after_due_date", "after_published", "visible"))
            self.assertIsInstance(t["score"], (int, float))
            self.assertIsInstance(t["output"], str)
        by_name = {t["name"]: t for t in doc["tests"]}
        self.assertEqual(by_name["09.2-partial"]["score"], 5)
        self.assertEqual(by_name["09.2-partial"]["max_score"], 20)
        self.assertEqual(by_name["09.1-passes"]["status"], "passed")
        self.assertEqual(by_name["09.2-partial"]["status"], "failed")

    def test_prairielearn_fields(self):
        doc = json.loads(self.pl.read_text())
        self.assertAlmostEqual(doc["score"], 0.15)
        self.assertTrue(0 <= doc["score"] <= 1)
        for t in doc["tests"]:
            self.assertEqual(set(t), {"name", "points", "max_points", "message", "output"})
        by_name = {t["name"]: t for t in doc["tests"]}
        self.assertEqual(by_name["09.2-partial"]["points"], 5)
        self.assertEqual(by_name["09.2-partial"]["max_points"], 20)
        self.assertIn("some output of the run", by_name["09.2-partial"]["output"])


class Pieces(unittest.TestCase):
    def test_timeout_scale(self):
        for raw, expected in (("2", 2.0), ("", 1.0), ("nonsense", 1.0), ("-3", 1.0)):
            os.environ[registry.SCALE_VARIABLE] = raw
            self.assertEqual(registry.timeout_scale(), expected)
        os.environ.pop(registry.SCALE_VARIABLE)

    def test_timed_out_message_drops_qemus_own_line(self):
        e = failures.TimedOut(29.6, ["a", "b", "qemu-system-aarch64: terminating on signal 15"])
        self.assertIn("timed out after 30 s", e.message)
        self.assertIn("| b", e.message)
        self.assertNotIn("terminating", e.message)

    def test_concept_error_trimmed_to_member(self):
        gcc = ("main.cc:53:18: error: template constraint failure for 'template<class H> ...'\n"
               "vcpu_hal.h:34:9:   required for the satisfaction of \u2018HalHasIrqFetch<H>\u2019 "
               "[with H = X]\n"
               "vcpu_hal.h:35:17: note: the required expression \u2018H::irq_fetch()\u2019 is invalid\n")
        message = build.concept_error(gcc)
        self.assertIn("'H::irq_fetch()'", message)
        self.assertIn("HalHasIrqFetch", message)
        self.assertIsNone(build.concept_error("x.h:1:1: error: expected ';'\n"))
        self.assertEqual(build.first_error("/nowhere/x.h:7:2: error: expected ';'\n", Path("/")),
                         "nowhere/x.h:7: error: expected ';'")

    def test_bad_test_names_are_refused(self):
        with self.assertRaises(ValueError):
            registry.test(10, "no-number")

    def test_results_for_no_tests(self):
        self.assertEqual(results.prairielearn([])["score"], 0.0)
        self.assertEqual(results.gradescope([])["tests"], [])

    def test_grader_bug_text(self):
        try:
            raise ValueError("boom")
        except ValueError as e:
            text = runner.grader_bug(e)
        self.assertIn("ValueError", text)
        self.assertNotIn("Traceback", text)


class HostPrograms(unittest.TestCase):
    """gradelib.hostprog: a host test program that does not compile, crashes or hangs is a
    failed test with a message, never a traceback or a hung grader."""

    PROGRAM = textwrap.dedent('''\
        #include <cstdio>
        #include <cstring>
        int main(int argc, char** argv) {
          if (argc < 2) return 2;
          if (!std::strcmp(argv[1], "pass")) { std::puts("ok pass"); return 0; }
          if (!std::strcmp(argv[1], "fail")) { std::puts("  check failed: 1 != 2"); return 1; }
          if (!std::strcmp(argv[1], "crash")) { volatile int* p = nullptr; return *p; }
          for (;;) {}
        }
    ''')

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="el2lab-hostprog-test-")
        root = Path(self.tmp.name)
        self.lab = lab_module.Lab(str(make_lab(root) / "grade.py"))
        self.lab.build_dir = root / "build"
        self.source = root / "prog.cc"
        hostprog._compiled.clear()

    def tearDown(self):
        self.tmp.cleanup()

    def test_cases_pass_fail_crash_hang(self):
        self.source.write_text(self.PROGRAM)
        binary = hostprog.build(self.lab, [self.source], {}, 60, name="prog")
        self.assertEqual(hostprog.run_case(binary, "pass", 10), (True, "ok pass\n"))
        ok, text = hostprog.run_case(binary, "fail", 10)
        self.assertFalse(ok)
        self.assertIn("check failed: 1 != 2", text)
        ok, text = hostprog.run_case(binary, "crash", 10)
        self.assertFalse(ok)
        self.assertIn("crashed (SIGSEGV)", text)
        ok, text = hostprog.run_case(binary, "hang", 1)
        self.assertFalse(ok)
        self.assertIn("did not finish in 1 s", text)

    def test_compile_error_names_the_line(self):
        self.source.write_text("int main() { return undeclared_name; }\n")
        with self.assertRaises(failures.Fail) as caught:
            hostprog.build(self.lab, [self.source], {}, 60, name="broken")
        self.assertIn("did not compile", caught.exception.message)
        self.assertIn("prog.cc:1: error:", caught.exception.message)
        self.assertIn("undeclared_name", caught.exception.message)


if __name__ == "__main__":
    unittest.main(verbosity=2)
