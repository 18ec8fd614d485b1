package io.streamsync.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import io.streamsync.config.JobConfig;
import java.io.Serializable;

/**
 * The layers of the production code, and the rules that keep its dependencies pointing one way
 * (issue 29 §3). From the top:
 *
 * <ul>
 *   <li><b>Job</b> ({@code io.streamsync}): {@code main}, nothing else uses it;
 *   <li><b>Pipeline</b> ({@code pipeline}): the graph; builds the production sources and sinks and
 *       assigns every operator's uid and name; only the job uses it;
 *   <li><b>Stages</b>: <b>Sources</b> ({@code source..}), <b>Filter</b> ({@code filter}),
 *       <b>Aggregation</b> ({@code aggregate}), <b>Sinks</b> ({@code sink..}); only the pipeline
 *       uses them, except that the sinks read the aggregation's output types and the source's
 *       start-up check reads which images the filter needs;
 *   <li><b>Settings</b> ({@code config}, {@code aws}): parsed once, read by the stages to build
 *       their own settings objects; they know no stage;
 *   <li><b>Foundation</b> ({@code change}, {@code deadletter}, {@code metrics}, {@code state}): the
 *       change model, dead letters, metrics and serializer helpers; they know nothing above them.
 * </ul>
 *
 * Packages are free of cycles, a new package must be put in a layer, and no class a stage ships to
 * the cluster holds the whole {@link JobConfig} (issue 29 §4).
 */
@AnalyzeClasses(
        packages = "io.streamsync",
        importOptions = {ImportOption.DoNotIncludeTests.class, ImportOption.DoNotIncludeJars.class})
class LayeringTest {
    private static final String JOB = "io.streamsync";
    private static final String[] PIPELINE = {"io.streamsync.pipeline.."};
    private static final String[] SOURCES = {"io.streamsync.source.."};
    private static final String[] FILTER = {"io.streamsync.filter.."};
    private static final String[] AGGREGATION = {"io.streamsync.aggregate.."};
    private static final String[] SINKS = {"io.streamsync.sink.."};
    private static final String[] SETTINGS = {"io.streamsync.config..", "io.streamsync.aws.."};
    private static final String[] RECONCILIATION = {"io.streamsync.reconcile.."};
    private static final String[] FOUNDATION = {
        "io.streamsync.change..",
        "io.streamsync.deadletter..",
        "io.streamsync.metrics..",
        "io.streamsync.state.."
    };

    @ArchTest
    static final ArchRule dependenciesPointDownTheLayers =
            layeredArchitecture()
                    .consideringOnlyDependenciesInLayers()
                    .layer("Job")
                    .definedBy(JOB)
                    .layer("Reconciliation")
                    .definedBy(RECONCILIATION)
                    .layer("Pipeline")
                    .definedBy(PIPELINE)
                    .layer("Sources")
                    .definedBy(SOURCES)
                    .layer("Filter")
                    .definedBy(FILTER)
                    .layer("Aggregation")
                    .definedBy(AGGREGATION)
                    .layer("Sinks")
                    .definedBy(SINKS)
                    .layer("Settings")
                    .definedBy(SETTINGS)
                    .layer("Foundation")
                    .definedBy(FOUNDATION)
                    .whereLayer("Job")
                    .mayNotBeAccessedByAnyLayer()
                    .whereLayer("Reconciliation")
                    .mayOnlyBeAccessedByLayers("Job")
                    .whereLayer("Pipeline")
                    .mayOnlyBeAccessedByLayers("Job", "Reconciliation")
                    .whereLayer("Sources")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Reconciliation")
                    .whereLayer("Filter")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Sources", "Reconciliation")
                    .whereLayer("Aggregation")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Sinks")
                    .whereLayer("Sinks")
                    .mayOnlyBeAccessedByLayers("Pipeline", "Reconciliation")
                    .whereLayer("Settings")
                    .mayOnlyAccessLayers("Foundation")
                    .whereLayer("Foundation")
                    .mayNotAccessAnyLayer();

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles =
            slices().matching("io.streamsync.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule everyPackageIsInALayer =
            classes()
                    .that()
                    .resideInAPackage("io.streamsync..")
                    .should()
                    .resideInAnyPackage(
                            concat(
                                    new String[] {JOB},
                                    RECONCILIATION,
                                    PIPELINE,
                                    SOURCES,
                                    FILTER,
                                    AGGREGATION,
                                    SINKS,
                                    SETTINGS,
                                    FOUNDATION))
                    .as("every production package is in one of the named layers");

    @ArchTest
    static final ArchRule theStreamAdaptersDoNotKnowTheShardLogic =
            noClasses()
                    .that()
                    .resideInAPackage("io.streamsync.source.stream..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("io.streamsync.source.shards..")
                    .because(
                            "source.shards (lineage, enumerator, reader) uses the thin stream adapters, not"
                                    + " the other way round");

    @ArchTest
    static final ArchRule theSourcesSubpackagesDoNotUseTheSourceAssembly =
            noClasses()
                    .that()
                    .resideInAnyPackage(
                            "io.streamsync.source.scan..",
                            "io.streamsync.source.shards..",
                            "io.streamsync.source.stream..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(PIPELINE)
                    .because("the pipeline assigns every uid and builds the sources");

    @ArchTest
    static final ArchRule theCommittingSinkKnowsNoElementType =
            noClasses()
                    .that()
                    .resideInAPackage("io.streamsync.sink.commit..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "io.streamsync.aggregate..",
                            "io.streamsync.sink.dynamodb..",
                            "io.streamsync.sink.search..",
                            "io.streamsync.change..")
                    .because(
                            "the committing sink takes a key/version extractor (CommitKeys) instead of"
                                    + " an interface its elements implement");

    @ArchTest
    static final ArchRule noStageShipsTheWholeConfiguration =
            noFields()
                    .that()
                    .areDeclaredInClassesThat()
                    .resideInAnyPackage(
                            concat(
                                    PIPELINE,
                                    SOURCES,
                                    FILTER,
                                    AGGREGATION,
                                    SINKS,
                                    FOUNDATION,
                                    new String[] {"io.streamsync.aws.."}))
                    .and()
                    .areNotStatic()
                    .and()
                    .areDeclaredInClassesThat()
                    .areAssignableTo(Serializable.class)
                    .should()
                    .haveRawType(JobConfig.class)
                    .because(
                            "each operator and sink carries its own settings object, not the whole"
                                    + " configuration (issue 29 §4). Not the reconciliation: its"
                                    + " one task (ReconcileJob.ReportFunction) is the whole report"
                                    + " and reads every output the configuration names; its"
                                    + " secrets travel as config.Secret, transient, read again"
                                    + " where they came from");

    /**
     * Only the pipeline names operators: a source or sink that set its own uid could change it
     * without the pipeline's list of uids (OperatorIds) knowing. The committing sink's status step
     * applies the uid the pipeline hands it. The reconciliation is a job graph of its own (a
     * bounded job) and names its own operators.
     */
    @ArchTest
    static final ArchRule onlyThePipelineSetsUids =
            noClasses()
                    .that()
                    .resideOutsideOfPackages(concat(PIPELINE, RECONCILIATION))
                    .and()
                    .doNotHaveFullyQualifiedName(
                            "io.streamsync.sink.commit.CheckpointCommittingSink")
                    .should()
                    .callMethodWhere(
                            com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                                    com.tngtech.archunit.base.DescribedPredicate.describe(
                                            "uid(String) of a stream or sink",
                                            t ->
                                                    (t.getName().equals("uid")
                                                                    || t.getName()
                                                                            .equals("setUidHash"))
                                                            && t.getOwner()
                                                                    .getPackageName()
                                                                    .startsWith(
                                                                            "org.apache.flink"))))
                    .because("the pipeline assigns every uid (issue 29 §3)");

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts)
                .flatMap(java.util.Arrays::stream)
                .toArray(String[]::new);
    }
}
