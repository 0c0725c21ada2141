package dev.ingot.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.core.Secrets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line as {@code ingot.job_runs} keeps it: registered secrets, URI user information, secret options. */
class JobRunsMaskTest {
    @Test
    void masksRegisteredSecretsUriUserInfoAndOptionsNamedLikeSecrets() {
        Secrets.register("s3cr3t-value-for-mask");
        assertThat(JobRuns.mask(List.of("score", "--reason", "x-s3cr3t-value-for-mask-y", "--warehouse",
                "s3a://key:pass@bucket/wh", "--api-token", "abc", "--db-password=pw", "--keys", "a,b",
                "--table", "raw.t")))
                .containsExactly("score", "--reason", "x-****-y", "--warehouse", "s3a://****@bucket/wh", "--api-token",
                        "****", "--db-password=****", "--keys", "a,b", "--table", "raw.t");
    }

    @Test
    void labelValuesEscapeBackslashQuoteAndLineFeedOnly() {
        assertThat(JobRuns.escapeLabel("a\\b\"c\nd\te")).isEqualTo("a\\\\b\\\"c\\nd\te");
    }

    @Test
    void airflowContextReadsTheTaskVariablesAndIgnoresABadTryNumber() {
        JobRuns.AirflowContext c = JobRuns.AirflowContext.from(java.util.Map.of("AIRFLOW_CTX_DAG_ID", "ingot_daily",
                "AIRFLOW_CTX_DAG_RUN_ID", "manual__1", "AIRFLOW_CTX_TASK_ID", "score", "AIRFLOW_CTX_TRY_NUMBER", "x"));
        assertThat(c.dagId()).contains("ingot_daily");
        assertThat(c.runId()).contains("manual__1");
        assertThat(c.taskId()).contains("score");
        assertThat(c.tryNumber()).isEmpty();
        assertThat(JobRuns.AirflowContext.from(java.util.Map.of()).dagId()).isEmpty();
    }
}
