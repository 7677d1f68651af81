CREATE TABLE "events" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"search_id" integer NOT NULL,
	"trial_number" integer,
	"time" timestamp (3) with time zone NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "metric_points" (
	"trial_id" integer NOT NULL,
	"name" text NOT NULL,
	"step" bigint NOT NULL,
	"value" double precision,
	"time" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "metric_points_pk" PRIMARY KEY("trial_id","name","step")
);
--> statement-breakpoint
CREATE TABLE "searches" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "searches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"goal" text NOT NULL,
	"spec" jsonb NOT NULL,
	"description" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"failure_reason" text,
	"stop_requested" text DEFAULT 'none' NOT NULL,
	"lease_owner" text,
	"lease_expires_at" timestamp (3) with time zone,
	"heartbeat_at" timestamp (3) with time zone,
	"best_trial_number" integer,
	"best_value" double precision
);
--> statement-breakpoint
CREATE TABLE "trials" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "trials_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"search_id" integer NOT NULL,
	"number" integer NOT NULL,
	"status" text NOT NULL,
	"params" jsonb NOT NULL,
	"value" double precision,
	"created_at" timestamp (3) with time zone NOT NULL,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"exit_code" integer,
	"signal" text,
	"reason" text,
	"handle" jsonb
);
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_search_id_searches_id_fk" FOREIGN KEY ("search_id") REFERENCES "public"."searches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "metric_points" ADD CONSTRAINT "metric_points_trial_id_trials_id_fk" FOREIGN KEY ("trial_id") REFERENCES "public"."trials"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_search_id_searches_id_fk" FOREIGN KEY ("search_id") REFERENCES "public"."searches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_search_id" ON "events" USING btree ("search_id","id");--> statement-breakpoint
CREATE INDEX "searches_status_id" ON "searches" USING btree ("status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "trials_search_number" ON "trials" USING btree ("search_id","number");--> statement-breakpoint
CREATE INDEX "trials_search_status_value" ON "trials" USING btree ("search_id","status","value");