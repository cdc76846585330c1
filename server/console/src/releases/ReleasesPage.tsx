import { useState, type FormEvent } from "react";
import type {
  KioskRelease,
  KioskReleasesView,
  ReleaseRollout,
  ReleaseStage,
} from "../../../../shared/schemas/kioskRelease";
import { useI18n, type Translate } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useDistricts } from "../shell/useDistricts";
import { ConfirmGroup } from "../ui/ConfirmGroup";
import { DataTable } from "../ui/DataTable";
import { DistrictChecklist } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail, type Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import { fetchReleases, promoteRelease, rollBackChannel, stageRelease } from "./releasesApi";

/** A release's state on its channel, for its badge. */
type ReleaseState = "released" | "staged" | "previous" | "available";

function stateOf(r: KioskRelease, view: KioskReleasesView): ReleaseState {
  const rollout = view.rollouts.find((o) => o.channel === r.channel);
  if (rollout?.released === r.version) return "released";
  if (view.stages.some((s) => s.channel === r.channel && s.version === r.version)) return "staged";
  if (rollout?.previous === r.version) return "previous";
  return "available";
}

const badgeClass: Record<ReleaseState, string> = {
  released: "badge online",
  staged: "badge warn",
  previous: "badge",
  available: "badge offline",
};

/** Bytes as MB with one decimal. */
function megabytes(bytes: number, language: string): string {
  return `${(bytes / 1024 / 1024).toLocaleString(language, { maximumFractionDigits: 1 })} MB`;
}

/**
 * Admins of the city: the kiosk app's releases and their rollout — what each channel offers
 * everyone, what is staged to districts or tags, how many screens run each version — with
 * release-to-all, stage and rollback, each asked for confirmation.
 */
export function ReleasesPage() {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const notices = useNotice();
  const { announce } = notices;
  const fail = useFail();
  const loader = useLoader(fetchReleases, fail, { refreshMs: 30_000 });
  const { data: view, error, reload } = loader;
  const { districts } = useDistricts((err) => fail(err, loader.setError));
  const [asking, setAsking] = useState<string | null>(null);
  const [staging, setStaging] = useState<KioskRelease | null>(null);
  const [busy, setBusy] = useState(false);
  const label = (id: string) => districtLabel(districts, id, language);

  /** Runs a change, then says so and reloads; a refusal is shown where the list's errors go. */
  const act = async (work: () => Promise<void>, done: (t: Translate) => string) => {
    setBusy(true);
    try {
      await work();
      setAsking(null);
      announce(done);
      await reload();
    } catch (err) {
      fail(err, (text) => loader.setError(text));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("releases.title")}
      </h1>
      <p className="muted">{t("releases.intro")}</p>
      <StatusNotice notices={notices} />
      {error !== null && <p className="error">{error}</p>}
      {view === null ? (
        <p>{t("common.loading")}</p>
      ) : (
        <>
          <h2>{t("releases.channels")}</h2>
          {view.rollouts.length === 0 ? (
            <p>{t("releases.noChannels")}</p>
          ) : (
            view.rollouts.map((o) => (
              <ChannelPanel
                key={o.channel}
                rollout={o}
                asking={asking === `rollback:${o.channel}`}
                busy={busy}
                onAsk={() => setAsking(`rollback:${o.channel}`)}
                onCancel={() => setAsking(null)}
                onYes={(previous) =>
                  void act(
                    () => rollBackChannel(o.channel),
                    (tr) => tr("releases.rolledBack", { channel: o.channel, previous }),
                  )
                }
              />
            ))
          )}

          <h2>{t("releases.list", { count: view.releases.length })}</h2>
          {view.releases.length === 0 ? (
            <p>{t("releases.none")}</p>
          ) : (
            <DataTable
              caption={t("releases.list", { count: view.releases.length })}
              columns={[
                t("releases.version"),
                t("releases.channel"),
                t("releases.state"),
                t("releases.file"),
                t("releases.size"),
                t("releases.added"),
                t("releases.notes"),
                t("common.actions"),
              ]}
            >
              {view.releases.map((r) => {
                const state = stateOf(r, view);
                const key = `${r.channel}@${r.version}`;
                return (
                  <tr key={key}>
                    <th scope="row">{r.version}</th>
                    <td>{r.channel}</td>
                    <td>
                      <span className={badgeClass[state]}>{t(`releases.state.${state}`)}</span>
                    </td>
                    <td className="break">{r.fileName}</td>
                    <td className="nowrap">{megabytes(r.size, language)}</td>
                    <td>{new Date(r.addedAt).toLocaleString(language)}</td>
                    <td>{r.notes ?? ""}</td>
                    <td>
                      {asking === `promote:${key}` ? (
                        <ConfirmGroup
                          small
                          label={t("releases.promoteNamed", r)}
                          question={t("releases.promoteAsk", r)}
                          yes={t("releases.promoteYes")}
                          no={t("common.cancel")}
                          busy={busy}
                          onYes={() =>
                            void act(
                              () => promoteRelease(r.version, r.channel),
                              (tr) => tr("releases.promoted", r),
                            )
                          }
                          onNo={() => setAsking(null)}
                        />
                      ) : (
                        state !== "released" && (
                          <span className="nowrap">
                            <button
                              type="button"
                              className="small"
                              aria-label={t("releases.promoteNamed", r)}
                              onClick={() => setAsking(`promote:${key}`)}
                            >
                              {t("releases.promote")}
                            </button>{" "}
                            <button
                              type="button"
                              className="secondary small"
                              aria-label={t("releases.stageNamed", r)}
                              aria-expanded={staging?.version === r.version}
                              onClick={() => setStaging(r)}
                            >
                              {t("releases.stage")}
                            </button>
                          </span>
                        )
                      )}
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          )}
          {staging && (
            <StageForm
              key={`${staging.channel}@${staging.version}`}
              release={staging}
              districts={districts}
              districtLabel={label}
              fail={fail}
              onCancel={() => setStaging(null)}
              onStaged={() => {
                const r = staging;
                setStaging(null);
                announce((tr) => tr("releases.staged", r));
                void reload();
              }}
            />
          )}

          <h2>{t("releases.stages")}</h2>
          {view.stages.length === 0 ? (
            <p>{t("releases.noStages")}</p>
          ) : (
            <StagesTable stages={view.stages} districtLabel={label} />
          )}

          <h2>{t("releases.screens")}</h2>
          {view.screensByVersion.length === 0 ? (
            <p>{t("releases.noScreens")}</p>
          ) : (
            <DataTable
              caption={t("releases.screens")}
              columns={[t("releases.appVersion"), t("releases.screenCount")]}
            >
              {view.screensByVersion.map((v) => (
                <tr key={v.appVersion ?? ""}>
                  <th scope="row">{v.appVersion ?? t("releases.notReported")}</th>
                  <td>{v.screens}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      )}
    </main>
  );
}

/** One channel: what every screen gets, the previous release, and the rollback. */
function ChannelPanel({
  rollout,
  asking,
  busy,
  onAsk,
  onCancel,
  onYes,
}: {
  rollout: ReleaseRollout;
  asking: boolean;
  busy: boolean;
  onAsk: () => void;
  onCancel: () => void;
  onYes: (previous: string) => void;
}) {
  const { t } = useI18n();
  const { channel, released, previous } = rollout;
  return (
    <section className="panel" aria-label={channel}>
      <p>
        <strong>
          {released === null
            ? t("releases.channelNone", { channel })
            : t("releases.channelLine", { channel, released })}
        </strong>{" "}
        {previous === null ? t("releases.noPrevious") : t("releases.previous", { previous })}
      </p>
      {previous !== null &&
        (asking ? (
          <ConfirmGroup
            label={t("releases.rollback", { previous })}
            question={t("releases.rollbackAsk", { channel, previous })}
            yes={t("releases.rollbackYes")}
            no={t("common.cancel")}
            busy={busy}
            onYes={() => onYes(previous)}
            onNo={onCancel}
          />
        ) : (
          <button type="button" className="danger" onClick={onAsk}>
            {t("releases.rollback", { previous })}
          </button>
        ))}
    </section>
  );
}

/** The stages: which version goes ahead to which district or tag. */
function StagesTable({
  stages,
  districtLabel,
}: {
  stages: readonly ReleaseStage[];
  districtLabel: (id: string) => string;
}) {
  const { t, language } = useI18n();
  return (
    <DataTable
      caption={t("releases.stages")}
      columns={[
        t("releases.version"),
        t("releases.channel"),
        t("releases.target"),
        t("releases.stagedAt"),
      ]}
    >
      {stages.map((s) => (
        <tr key={`${s.channel}/${s.target.type}/${s.target.id}`}>
          <th scope="row">{s.version}</th>
          <td>{s.channel}</td>
          <td>
            {s.target.type === "district"
              ? t("releases.target.district", { name: districtLabel(s.target.id) })
              : t("releases.target.tag", { tag: s.target.id })}
          </td>
          <td>{new Date(s.stagedAt).toLocaleString(language)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

/** Stage a release to districts and tags. */
function StageForm({
  release,
  districts,
  districtLabel,
  fail,
  onCancel,
  onStaged,
}: {
  release: KioskRelease;
  districts: Parameters<typeof DistrictChecklist>[0]["districts"];
  districtLabel: (id: string) => string;
  fail: Fail;
  onCancel: () => void;
  onStaged: () => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [districtIds, setDistrictIds] = useState<string[]>([]);
  const [tags, setTags] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const tagList = tags
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    if (districtIds.length === 0 && tagList.length === 0) {
      setProblem(t("releases.stageNeedsTarget"));
      return;
    }
    setBusy(true);
    try {
      await stageRelease(release.version, {
        channel: release.channel,
        districtIds,
        tags: tagList,
      });
      onStaged();
    } catch (err) {
      fail(err, setProblem);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel panel-form" onSubmit={(e) => void submit(e)} noValidate>
      <h3 ref={heading} tabIndex={-1}>
        {t("releases.stageTitle", release)}
      </h3>
      <FormAlert message={problem} />
      <DistrictChecklist
        legend={t("releases.stageDistricts")}
        districts={districts}
        districtLabel={districtLabel}
        value={districtIds}
        onChange={setDistrictIds}
      />
      <Field
        label={t("releases.stageTags")}
        hint={t("releases.stageTagsHint")}
        value={tags}
        onChange={(e) => setTags(e.target.value)}
      />
      <div className="toolbar">
        <button type="submit" disabled={busy}>
          {t("releases.stageYes")}
        </button>{" "}
        <button type="button" className="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
