"""Encrypt what a case says about its student: type, priority, the copies the lists read
(classification, stage, risk level, pathway stage), the timeline's wording, pathway stages,
assessment classifications and the C-SSRS result. The type and priority get blind indexes, which
the case list filters and sorts on instead of the values."""

from django.db import migrations, models

import haven.core.fields
from haven.core.fields import encrypt_existing, fill_blind_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0002_builtin_assessment_models'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='case',
            options={'ordering': ['-status', '-updated_at', '-pk']},
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='cases_case_school__163752_idx',
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='cases_case_status_2ffbda_idx',
        ),
        migrations.AlterField(
            model_name='assessment',
            name='classification',
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=40),
        ),
        migrations.AlterField(
            model_name='case',
            name='classification',
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=40),
        ),
        migrations.AlterField(
            model_name='case',
            name='pathway_stage',
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=30),
        ),
        migrations.AlterField(
            model_name='case',
            name='priority',
            field=haven.core.fields.EncryptedIntegerField(choices=[(1, 'Routine'), (2, 'High'), (3, 'Urgent')], default=1),
        ),
        migrations.AlterField(
            model_name='case',
            name='risk_level',
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=10),
        ),
        migrations.AlterField(
            model_name='case',
            name='stage',
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='case',
            name='type',
            field=haven.core.fields.EncryptedTextField(choices=[('threat', 'Threat to others'), ('self_harm', 'Risk to self'), ('both', 'Threat to others and risk to self')], max_length=20),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='text',
            field=haven.core.fields.EncryptedTextField(max_length=300),
        ),
        migrations.AlterField(
            model_name='pathwayobservation',
            name='stage',
            field=haven.core.fields.EncryptedTextField(choices=[('grievance', 'Grievance'), ('ideation', 'Violent ideation'), ('research_planning', 'Research and planning'), ('preparation', 'Preparation'), ('probing_breaching', 'Probing and breaching'), ('attack', 'Attack')], max_length=30),
        ),
        migrations.AlterField(
            model_name='screening',
            name='positive',
            field=haven.core.fields.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='screening',
            name='required_actions',
            field=haven.core.fields.EncryptedJSONField(default=list),
        ),
        migrations.AlterField(
            model_name='screening',
            name='risk_level',
            field=haven.core.fields.EncryptedTextField(choices=[('low', 'Low'), ('moderate', 'Moderate'), ('high', 'High')], max_length=10),
        ),
        migrations.AlterField(
            model_name='steprecord',
            name='classification',
            field=haven.core.fields.EncryptedTextField(blank=True, max_length=40),
        ),
        encrypt_existing(
            "cases", "Case", "type", "priority", "classification", "stage", "risk_level",
            "pathway_stage",
        ),
        encrypt_existing("cases", "CaseEvent", "text"),
        encrypt_existing("cases", "PathwayObservation", "stage"),
        encrypt_existing("cases", "Screening", "risk_level", "positive", "required_actions"),
        encrypt_existing("cases", "Assessment", "classification"),
        encrypt_existing("cases", "StepRecord", "classification"),
        migrations.AddField(
            model_name='case',
            name='priority_index',
            field=haven.core.fields.BlindIndexField(source='priority'),
        ),
        migrations.AddField(
            model_name='case',
            name='type_index',
            field=haven.core.fields.BlindIndexField(source='type'),
        ),
        fill_blind_indexes("cases", "Case", "type_index", "priority_index"),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['school', '-status', '-updated_at'], name='cases_case_school__a148f1_idx'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['-status', '-updated_at'], name='cases_case_status_2befb9_idx'),
        ),
    ]
