-- 统计分析 (R-A8): roll-ups of closed periods behind the global statistics page.
--
-- The live roll-up, stats_daily, is per operator so that launches never wait on each other; a
-- global row counted at launch time would serialize every launch in the country. These two
-- are filled afterwards by stats_rollup() (the server runs it on start, every few minutes and
-- before answering the page), and the page reads the still-open days live.

-- Sessions by day, application and player count: the totals, the application ranking, the
-- player-count pie and application × players all come from here (≤ apps × 8 rows a day).
CREATE TABLE stats_app_players_daily (
    day             DATE NOT NULL,
    application_id  UUID NOT NULL REFERENCES applications (id),
    player_count    INT NOT NULL,
    sessions        BIGINT NOT NULL,
    players         BIGINT NOT NULL,
    revenue         NUMERIC(14,2) NOT NULL,
    PRIMARY KEY (day, application_id, player_count)
);

-- Sessions by month and site: the site and operator rankings of a long range.
CREATE TABLE stats_site_monthly (
    month           DATE NOT NULL CHECK (extract(day FROM month) = 1),
    operator_id     UUID NOT NULL REFERENCES operators (id),
    site_id         UUID NOT NULL,
    sessions        BIGINT NOT NULL,
    players         BIGINT NOT NULL,
    revenue         NUMERIC(14,2) NOT NULL,
    PRIMARY KEY (month, site_id, operator_id)
);

-- How far each roll-up reaches: every China day up to and including `through` is in it
-- ('app_players' by day; 'site_monthly' by whole months, `through` then a month's last day).
CREATE TABLE stats_rollup_state (
    name     TEXT PRIMARY KEY CHECK (name IN ('app_players', 'site_monthly')),
    through  DATE NOT NULL
);

-- A site's series over time.
CREATE INDEX stats_daily_site_day_idx ON stats_daily (site_id, day);

-- The last China day that can no longer change: a launch commits within seconds of its
-- authorized_at, so a day is closed ten minutes after the next midnight.
CREATE FUNCTION stats_closed_day() RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT ((now() - interval '10 minutes') AT TIME ZONE 'Asia/Shanghai')::date - 1
$$;

-- Brings both roll-ups up to the last closed day; returns that day. Safe to call from many
-- places at once (one runs, the others wait and then find nothing to do).
CREATE FUNCTION stats_rollup() RETURNS DATE LANGUAGE plpgsql AS $$
DECLARE
    v_closed       DATE := stats_closed_day();
    v_from         DATE;
    v_month_from   DATE;
    v_month_end    DATE := date_trunc('month', v_closed + 1)::date;  -- first day not rolled up
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('mr.stats_rollup'));

    SELECT through + 1 INTO v_from FROM stats_rollup_state WHERE name = 'app_players';
    IF v_from IS NULL THEN
        SELECT (min(authorized_at) AT TIME ZONE 'Asia/Shanghai')::date INTO v_from FROM game_sessions;
    END IF;
    IF v_from IS NOT NULL AND v_from <= v_closed THEN
        DELETE FROM stats_app_players_daily WHERE day >= v_from;
        INSERT INTO stats_app_players_daily (day, application_id, player_count, sessions, players, revenue)
        SELECT (authorized_at AT TIME ZONE 'Asia/Shanghai')::date, application_id, player_count,
               count(*), sum(player_count), sum(total_cost)
          FROM game_sessions
         WHERE authorized_at >= (v_from::timestamp AT TIME ZONE 'Asia/Shanghai')
           AND authorized_at < ((v_closed + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
         GROUP BY 1, 2, 3;
    END IF;
    INSERT INTO stats_rollup_state (name, through) VALUES ('app_players', v_closed)
        ON CONFLICT (name) DO UPDATE SET through = EXCLUDED.through;

    SELECT date_trunc('month', through + 1)::date INTO v_month_from
      FROM stats_rollup_state WHERE name = 'site_monthly';
    IF v_month_from IS NULL THEN
        SELECT date_trunc('month', min(day))::date INTO v_month_from FROM stats_daily;
    END IF;
    IF v_month_from IS NOT NULL AND v_month_from < v_month_end THEN
        DELETE FROM stats_site_monthly WHERE month >= v_month_from;
        INSERT INTO stats_site_monthly (month, operator_id, site_id, sessions, players, revenue)
        SELECT date_trunc('month', day)::date, operator_id, site_id,
               sum(sessions), sum(players), sum(revenue)
          FROM stats_daily
         WHERE day >= v_month_from AND day < v_month_end
         GROUP BY 1, 2, 3;
    END IF;
    INSERT INTO stats_rollup_state (name, through) VALUES ('site_monthly', v_month_end - 1)
        ON CONFLICT (name) DO UPDATE SET through = EXCLUDED.through;
    RETURN v_closed;
END;
$$;

-- A session counted for a day already rolled up (an import, a seed, a clock fix) reopens the
-- roll-ups from that day; the next stats_rollup() counts it. Launches count for today, so the
-- WHEN clause keeps this off the launch path.
CREATE FUNCTION stats_rollup_reopen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stats_rollup_state SET through = NEW.day - 1 WHERE through >= NEW.day;
    RETURN NULL;
END;
$$;
CREATE TRIGGER stats_daily_reopen AFTER INSERT OR UPDATE ON stats_daily
    FOR EACH ROW WHEN (NEW.day < (now() AT TIME ZONE 'Asia/Shanghai')::date)
    EXECUTE FUNCTION stats_rollup_reopen();
