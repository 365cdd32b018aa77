"""natograph review: a source document beside the statements recorded from it, line by line."""

from click.testing import CliRunner

from natograph.cli import main


def test_review_prints_each_line_of_a_document_above_the_statements_recorded_for_it(project_config, project_snapshot,
                                                                                     tmp_path):
    text = tmp_path / "000.txt"
    text.write_text("".join(f"text of line {n}\n" for n in range(1, 14)), encoding="utf-8")
    runner = CliRunner(env={"NATOGRAPH_SNAPSHOT_DIR": project_config.snapshot_dir})
    result = runner.invoke(main, ["--root", str(project_config.root), "review", "source-000", "--text", str(text)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at = lines.index("   9 | text of line 9")
    following = lines[at + 1:lines.index("  10 | text of line 10")]
    assert '         natoid:kfor nato:startDate "1999"^^xsd:gYear' in following
    assert lines[0] == "   1 | text of line 1" and lines[1] == "   2 | text of line 2"  # nothing stated there

    short = tmp_path / "short.txt"
    short.write_text("one\ntwo\n", encoding="utf-8")
    cut = runner.invoke(main, ["--root", str(project_config.root), "review", "source-000", "--text", str(short)])
    assert "statements recorded for line 3, past the end of the text given" in cut.stderr


def test_review_without_the_text_lists_the_statements_by_line_and_a_reference_without_lines(project_config,
                                                                                             project_snapshot):
    runner = CliRunner(env={"NATOGRAPH_SNAPSHOT_DIR": project_config.snapshot_dir})
    by_line = runner.invoke(main, ["--root", str(project_config.root), "review", "source-003"]).output
    assert "line 14:" in by_line and "    natoid:eapc nato:startDate \"1997\"^^xsd:gYear" in by_line
    reference = runner.invoke(main, ["--root", str(project_config.root), "review", "ref-nato-summits"]).output
    assert reference.startswith("(no line: a public reference)")
    unknown = runner.invoke(main, ["--root", str(project_config.root), "review", "source-999"])
    assert unknown.exit_code == 2 and "document" in unknown.output
