package io.persistenttimers.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs every workload at a tiny size on every store: proves the harness, measures nothing. */
class BenchSmokeIT {

  @Test
  void everyWorkloadRunsOnEveryStore_atTinySizes() throws Exception {
    Bench.quietLogging();
    Options options =
        Options.parse(
            // W6 has its own smoke test (NewWorkloadsSmokeIT) at sizes of its own.
            "--workloads", "w1,w2,w3,w4,w5",
            "--reps", "1",
            "--w1", "20",
            "--w2", "20",
            "--w3", "10",
            "--w3-spread-ms", "100",
            "--w3-lead-ms", "200",
            "--w4", "100",
            "--w4-overdue", "10",
            "--threads", "4");

    Report report = Bench.run(options);

    List<Report.Row> rows = report.rows();
    for (String store : List.of("memory", "sqlite", "postgres", "mariadb")) {
      for (String workload : List.of("W1", "W2", "W3", "W4")) {
        assertThat(rows)
            .as("%s on %s", workload, store)
            .anyMatch(r -> r.workload().equals(workload) && r.store().equals(store));
      }
    }
    // Duplicates and missing fires are counted and reported (W2 measure column), not asserted:
    // this test proves the harness; the engine's own tests prove delivery.
    assertThat(rows)
        .filteredOn(r -> r.workload().equals("W2"))
        .allMatch(r -> r.measure().contains("missing "));
    for (String store : List.of("postgres", "mariadb")) {
      assertThat(rows)
          .as("W5: two engines on %s", store)
          .anyMatch(r -> r.workload().equals("W5") && r.store().equals(store));
    }
    assertThat(report.render())
        .contains("synchronous_commit=", "synchronous=FULL", "innodb_flush_log_at_trx_commit=");
  }
}
