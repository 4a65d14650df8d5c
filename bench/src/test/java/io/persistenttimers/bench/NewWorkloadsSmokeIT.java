package io.persistenttimers.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * W6 and the scale workload end to end at tiny sizes: proves the harness runs and that every timer
 * it set up fired exactly once. A workload that throws fails the test; so does any row reporting a
 * duplicate or a missing fire.
 */
class NewWorkloadsSmokeIT {
  private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  @Test
  void recoveryBurst_runsOnMemorySqliteAndPostgres_withoutDuplicatesOrMissingFires()
      throws Exception {
    Bench.quietLogging();
    Options options =
        Options.parse(
            "--stores", "memory,sqlite,postgres",
            "--workloads", "w6",
            "--reps", "2",
            "--w6", "8",
            "--w6-fast", "20",
            "--w6-window-ms", "300");

    List<Report.Row> rows = Bench.run(options).rows();

    for (String store : List.of("memory", "sqlite", "postgres")) {
      assertThat(rows)
          .as("W6 on %s", store)
          .filteredOn(r -> r.workload().equals("W6") && r.store().equals(store))
          .hasSize(3)
          .allSatisfy(
              r -> {
                assertThat(r.measure()).contains("(dup 0, missing 0)");
                assertThat(r.engine()).doesNotContain("NaN").contains("ms (");
                assertThat(r.verdict()).isEmpty();
              });
    }
  }

  @Test
  void scale_runsEndToEnd_firesEverythingOnce_andDropsItsSchema() throws Exception {
    Bench.quietLogging();
    ScaleSettings settings =
        ScaleSettings.parse(
            "--timers", "3000",
            "--baseline", "1000",
            "--due", "20",
            "--due-over-s", "1",
            "--burst", "50",
            "--drain", "200",
            "--calls", "5",
            "--pool", "2",
            "--workers", "4");

    Report report = Scale.run(settings);

    List<Report.Row> rows = report.rows();
    assertThat(rows).anyMatch(r -> r.measure().startsWith("ready"));
    assertThat(rows).anyMatch(r -> r.measure().startsWith("listByParticipant"));
    assertThat(rows).filteredOn(r -> r.measure().contains("multi-node engines")).hasSize(2);
    assertThat(rows)
        .filteredOn(r -> r.measure().contains("dup "))
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.measure()).contains("dup 0, missing 0"));
    assertThat(rows).noneMatch(r -> r.verdict().equals("dup/missing!"));
    assertThat(report.render())
        .contains("pg_total_relation_size", "persistent_timers_participant_idx", "Index");
    try (Connection c = DriverManager.getConnection(PG);
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, "bench_scale_" + ProcessHandle.current().pid());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).as("schema dropped").isZero();
      }
    }
  }
}
